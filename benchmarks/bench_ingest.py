"""Ingestion benchmark: our Segment ingestion vs DuckDB's bare ``read_json`` scan.

    python benchmarks/bench_ingest.py --users 200000 --days 365   # ~10M events
    python benchmarks/bench_ingest.py --users 2000000 --days 365  # ~100M events
    python benchmarks/bench_ingest.py --keep DIR --floor-runs 3 --no-table-reference

Phases run in separate processes (wall time, peak RSS each): generate the demo
landing files; the floor (``read_json`` over every file, every line parsed into the
top-level fields); two references: every line read as text (no parsing), and the floor's
read written into a table; our ingestion (every file → raw.events with dedupe,
quarantine, load log); the core build (identity map, core.events, core.users).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._harness import markdown_table, run_phase  # noqa: E402


def generate(home: str, users: int, days: int) -> dict:
    from pipelines.generate import generate_demo

    report = generate_demo(
        Path(home) / "landing" / "events", users=users, days=days, seed=1, start=dt.date(2025, 1, 1)
    )
    return {"events": report.events}


def _landing_glob(home: str) -> str:
    return str(Path(home) / "landing" / "events" / "*.jsonl.gz")


def _memory_limited(path: str = ":memory:"):
    import duckdb

    conn = duckdb.connect(path)
    conn.execute("SET memory_limit = '3GB'")
    return conn


def _read_json(home: str) -> str:
    """The floor's read: every line parsed into the top-level Segment fields (nested objects
    kept as JSON), the cheapest complete read of these files. Schema inference across
    hundreds of files with varying properties costs far more than the read itself, so the
    schema is given."""
    return f"""
        read_json('{_landing_glob(home)}', format = 'newline_delimited', ignore_errors = true,
                  columns = {{type: 'VARCHAR', event: 'VARCHAR', name: 'VARCHAR',
                              messageId: 'VARCHAR', userId: 'VARCHAR', anonymousId: 'VARCHAR',
                              previousId: 'VARCHAR', timestamp: 'VARCHAR',
                              properties: 'JSON', context: 'JSON', traits: 'JSON'}})
    """


def floor_read_json(home: str) -> dict:
    conn = _memory_limited()
    sql = f"SELECT count(*), count(messageId), count(context) FROM {_read_json(home)}"
    return {"rows": conn.execute(sql).fetchone()[0]}


def read_lines(home: str) -> dict:
    """A reference for the line-level part: every line read as text, the way ingestion reads
    it (it needs each line's number and, for a bad line, its text), not parsed."""
    from pipelines.ingest.readable import MAX_LINE_BYTES

    conn = _memory_limited()
    rows = conn.execute(
        f"""
        SELECT count(*), count(line)
        FROM read_csv('{_landing_glob(home)}', columns = {{'line': 'VARCHAR'}}, delim = chr(0),
                      quote = '', escape = '', header = false, auto_detect = false,
                      strict_mode = false, filename = true, max_line_size = {MAX_LINE_BYTES})
        """
    ).fetchone()[0]
    return {"rows": rows}


def floor_load_table(home: str) -> dict:
    """A second reference: the same read, written into a DuckDB table (every row, no checks)."""
    path = Path(home) / "floor.duckdb"
    path.unlink(missing_ok=True)
    conn = _memory_limited(str(path))
    conn.execute(f"CREATE TABLE events AS SELECT * FROM {_read_json(home)}")
    rows = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    path.unlink()
    return {"rows": rows}


def ingest(home: str) -> dict:
    import os

    os.environ["RETAINLY_HOME"] = home
    from pipelines.ingest.landing import list_event_files
    from pipelines.ingest.segment import ingest_files
    from pipelines.settings import load_settings
    from pipelines.warehouse import connect

    settings = load_settings()
    # A first load, also when --keep reuses a home: start from an empty warehouse.
    for old in Path(settings.warehouse_path).parent.glob(Path(settings.warehouse_path).name + "*"):
        old.unlink()
    conn = connect(settings.warehouse_path)
    results = ingest_files(conn, list_event_files(settings.events_dir), settings)
    return {
        "rows": sum(r.lines_loaded for r in results),
        "lines": sum(r.lines_read for r in results),
    }


def core(home: str) -> dict:
    import os

    os.environ["RETAINLY_HOME"] = home
    from pipelines.config import load_definitions
    from pipelines.core.build import build_events, build_identity_map, build_users
    from pipelines.settings import load_settings
    from pipelines.warehouse import connect

    settings = load_settings()
    conn = connect(settings.warehouse_path)
    build_identity_map(conn)
    counts = build_events(conn, load_definitions(), settings.timezone)
    build_users(conn, settings)
    return {"rows": counts["events"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--keep", default=None, help="reuse/keep this RETAINLY_HOME")
    parser.add_argument(
        "--floor-runs", type=int, default=1, help="runs of the floor; the fastest one is the floor"
    )
    parser.add_argument(
        "--no-table-reference",
        action="store_true",
        help="skip the read-into-a-table reference (5 minutes at 100M events)",
    )
    args = parser.parse_args()
    home = args.keep or tempfile.mkdtemp(prefix="retainly-bench-")
    try:
        if not (Path(home) / "landing" / "events").exists():
            gen = run_phase(
                "benchmarks.bench_ingest", "generate", home=home, users=args.users, days=args.days
            )
            print(
                f"generated {gen['events']:,} events in {gen['seconds']:.1f}s (peak {gen['peak_mb']:.0f} MB)"
            )
        floor = min(
            (
                run_phase("benchmarks.bench_ingest", "floor_read_json", home=home)
                for _ in range(max(args.floor_runs, 1))
            ),
            key=lambda run: run["seconds"],
        )
        lines = run_phase("benchmarks.bench_ingest", "read_lines", home=home)
        table = (
            None
            if args.no_table_reference
            else run_phase("benchmarks.bench_ingest", "floor_load_table", home=home)
        )
        ours = run_phase("benchmarks.bench_ingest", "ingest", home=home)
        built = run_phase("benchmarks.bench_ingest", "core", home=home)

        def row(label: str, run: dict) -> list[str]:
            ratio = run["seconds"] / floor["seconds"]
            return [
                label,
                f"{run['rows']:,}",
                f"{run['seconds']:.1f}",
                f"{ratio:.2f}",
                f"{run['peak_mb']:.0f}",
            ]

        rows = [row("DuckDB read_json (floor)", floor), row("reference: every line as text", lines)]
        if table is not None:
            rows.append(row("reference: read_json into a table", table))
        rows += [
            row("ingest → raw.events", ours),
            row("core build (identity, events, users)", built),
        ]
        print(markdown_table(["phase", "rows", "seconds", "× floor", "peak MB"], rows))
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
