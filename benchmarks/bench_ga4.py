"""GA4 export ingestion benchmark: our ingestion vs a bare DuckDB query on the same files.

    python benchmarks/bench_ga4.py --copies 40      # ~1M GA4 events (the real sample × 40)

The input is the real sample (tests/data/ga4_events_sampled.parquet) written ``copies``
times with distinct user_pseudo_ids (so nothing is deduplicated away), one Parquet file
per copy. Phases run in separate processes (wall time, peak RSS each):
  floor  — DuckDB reading every file and unnesting event_params into a typed map
           (the least any GA4 loader must do);
  ingest — our ingestion: every file → raw.events with typed properties, UTM, dedupe
           against other files, quarantine and load log.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._harness import markdown_table, run_phase  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "ga4_events_sampled.parquet"


def prepare_files(home: str, copies: int) -> dict:
    import duckdb

    out = Path(home) / "landing" / "ga4_export"
    out.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect()
    for i in range(copies):
        conn.execute(
            f"COPY (SELECT * REPLACE (user_pseudo_id || '.{i}' AS user_pseudo_id) FROM read_parquet('{SAMPLE}')) "
            f"TO '{out / f'events_copy{i:04d}.parquet'}' (FORMAT parquet)"
        )
    return {
        "rows": conn.execute(f"SELECT count(*) FROM read_parquet('{out}/*.parquet')").fetchone()[0]
    }


def floor(home: str) -> dict:
    import duckdb

    conn = duckdb.connect()
    conn.execute("SET memory_limit = '3GB'")
    glob = str(Path(home) / "landing" / "ga4_export" / "*.parquet")
    rows = conn.execute(
        f"""
        CREATE TEMP TABLE t AS
        SELECT event_name, user_pseudo_id, to_timestamp(event_timestamp / 1e6) AS ts,
               map_from_entries(list_transform(event_params, p -> {{'k': p.key,
                   'v': coalesce(p.value.string_value, p.value.int_value::VARCHAR, p.value.double_value::VARCHAR)}})) AS params
        FROM read_parquet('{glob}')
        """
    ).fetchall()
    rows = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    return {"rows": rows}


def ingest(home: str) -> dict:
    import os

    os.environ["RETAINLY_HOME"] = home
    from pipelines.ga4.export import ingest_export_files, list_export_files
    from pipelines.settings import load_settings
    from pipelines.warehouse import connect

    settings = load_settings()
    conn = connect(settings.warehouse_path)
    results = ingest_export_files(conn, list_export_files(settings.ga4_export_dir), settings)
    assert all(r.balanced for r in results)
    return {"rows": sum(r.lines_loaded for r in results)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="retainly-bench-ga4-")
    try:
        prepared = run_phase("benchmarks.bench_ga4", "prepare_files", home=home, copies=args.copies)
        base = run_phase("benchmarks.bench_ga4", "floor", home=home)
        ours = run_phase("benchmarks.bench_ga4", "ingest", home=home)
        rows = []
        for name, result in (
            ("floor: DuckDB read + unnest params", base),
            ("ours: GA4 export ingestion", ours),
        ):
            rows.append(
                [
                    name,
                    f"{result['rows']:,}",
                    f"{result['seconds']:.1f}",
                    f"{result['rows'] / max(result['seconds'], 1e-9):,.0f}",
                    f"{result['peak_mb']:.0f}",
                    f"{result['seconds'] / max(base['seconds'], 1e-9):.1f}×",
                ]
            )
        print(f"GA4 export rows: {prepared['rows']:,} ({args.copies} copies of the real sample)\n")
        print(markdown_table(["phase", "rows", "seconds", "rows/s", "peak MB", "vs floor"], rows))
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
