"""Benchmark: a 1M-member audience built and exported to every destination.

Synthetic ``core.users`` (every user with one or two ad ids, email / phone / name hashes,
country) and ``marts.activity_scores`` are generated inside DuckDB; then the real code
times ``build_members`` (selection + hygiene + history) and ``export_audience`` (five files,
SHA-256, manifest), against a reference that writes the same five files with pandas
``to_csv``. Target: the whole audience in ≤ 5 s on a 2-core machine.

    .venv/bin/python benchmarks/bench_audiences.py [--members 1000000] [--threads 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

AS_OF = dt.date(2026, 3, 10)

AUDIENCES_YAML = """
audiences:
  - name: everyone
    selection: {rank_by: p_active, top_share: 1.0}
    destinations: [google_ads_mobile, google_ads_contact, meta, tiktok, kakao_moment]
"""


def make_tables(conn, users: int) -> None:
    conn.execute(
        """
        CREATE OR REPLACE TABLE core.users AS
        SELECT
            'usr_' || i AS user_key,
            CASE i % 3 WHEN 0 THEN 'ios' WHEN 1 THEN 'android' ELSE 'web' END AS platform,
            'kakao' AS signup_method,
            NULL::VARCHAR AS first_utm_source,
            NULL::VARCHAR AS first_utm_medium,
            NULL::TIMESTAMPTZ AS first_paid_ts,
            CASE WHEN i % 3 = 2 THEN []::VARCHAR[]
                 WHEN i % 10 = 0 THEN [lower(uuid()::VARCHAR), lower(uuid()::VARCHAR)]
                 ELSE [lower(uuid()::VARCHAR)] END AS advertising_ids,
            NULL::VARCHAR AS latest_advertising_id,
            i % 50 <> 0 AS ad_tracking_enabled,
            NULL::BOOLEAN AS consent_ad_user_data,
            NULL::BOOLEAN AS consent_ad_personalization,
            CASE WHEN i % 4 <> 0 THEN sha256('user' || i || '@example.com') END AS email_sha256,
            CASE WHEN i % 4 <> 0 THEN sha256('user' || i || '@gmail.com') END AS email_sha256_google,
            CASE WHEN i % 2 = 0 THEN sha256('+8210' || (10000000 + i)) END AS phone_sha256,
            CASE WHEN i % 2 = 0 THEN sha256('8210' || (10000000 + i)) END AS phone_sha256_digits,
            CASE WHEN i % 5 = 0 THEN sha256('first' || i) END AS first_name_sha256,
            CASE WHEN i % 5 = 0 THEN sha256('last' || i) END AS last_name_sha256,
            'KR' AS country
        FROM range(?) AS t(i)
        """,
        [users],
    )
    conn.execute("UPDATE core.users SET latest_advertising_id = advertising_ids[1]")
    # the recency filter reads core.events; this audience does not filter on it
    conn.execute(
        "CREATE OR REPLACE TABLE core.events (user_key VARCHAR, event_date DATE, is_active BOOLEAN)"
    )
    conn.execute(
        """
        CREATE OR REPLACE TABLE marts.activity_scores AS
        SELECT ?::DATE AS as_of, user_key, (hash(user_key) % 1000000) / 1e6 AS p_active,
               28 * (hash(user_key) % 1000000) / 1e6 AS expected_active_days,
               0 AS score_rank, 0.0 AS score_percentile, 'bench' AS model_version
        FROM core.users
        """,
        [AS_OF],
    )


def reference_pandas(conn, directory: Path) -> float:
    """The same five files written the obvious way: DataFrame.to_csv."""
    from pipelines.audiences.destinations import DESTINATIONS
    from pipelines.warehouse import execute, sql_text

    started = time.perf_counter()
    for destination in DESTINATIONS.values():
        frame = execute(
            conn, sql_text(destination.sql_name), {"audience": "everyone", "as_of": AS_OF}
        ).df()
        frame.to_csv(directory / destination.file_name, index=False, header=destination.header)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000, help="target audience size")
    parser.add_argument(
        "--threads", type=int, default=2, help="DuckDB threads (the target machine has 2 cores)"
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="retainly-bench-"))
    os.environ["RETAINLY_HOME"] = str(home / "home")
    os.chdir(home)
    (home / "audiences.yaml").write_text(AUDIENCES_YAML)

    from pipelines.audiences.config import load_audiences
    from pipelines.audiences.export import export_audience
    from pipelines.audiences.members import build_members
    from pipelines.config import load_definitions
    from pipelines.settings import load_settings
    from pipelines.warehouse import connect

    settings = load_settings()
    definitions = load_definitions(home=settings.home)
    config = load_audiences(home=settings.home)
    conn = connect(settings.warehouse_path)
    conn.execute(f"SET threads = {int(args.threads)}")
    # users removed by hygiene (tracking off, no identifier) are topped up so ~members remain
    users = int(args.members / 0.98)
    started = time.perf_counter()
    make_tables(conn, users)
    print(f"synthetic warehouse: {users:,} users in {time.perf_counter() - started:.1f}s")

    started, cpu = time.perf_counter(), time.process_time()
    membership = build_members(conn, config, "everyone", AS_OF, settings, definitions)
    members_s, members_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    result = export_audience(conn, config, membership, settings)
    export_s, export_cpu = time.perf_counter() - started, time.process_time() - cpu
    total = members_s + export_s

    print(
        f"audience members: {membership.members:,} (selected {membership.rows_in:,}; removed {membership.users_removed})"
    )
    for d in result.destinations:
        print(f"  {d.destination:20} {d.rows:>10,} rows {d.bytes / 1e6:8.1f} MB")
    print(f"load average {os.getloadavg()[0]:.1f} (wall times include waiting for a shared CPU)")
    print(
        f"build_members   {members_s:6.2f} s wall {members_cpu:6.2f} s CPU  (selection, hygiene, history)"
    )
    print(
        f"export_audience {export_s:6.2f} s wall {export_cpu:6.2f} s CPU  (5 files + SHA-256 + manifest)"
    )
    print(
        f"total           {total:6.2f} s wall on {args.threads} DuckDB threads, {os.cpu_count()} CPUs"
    )
    print(f"export to all destinations: {'PASS' if export_s <= 5 else 'FAIL'} (target ≤ 5 s)")
    reference_dir = home / "reference"
    reference_dir.mkdir()
    reference_s = reference_pandas(conn, reference_dir)
    print(
        f"reference pandas to_csv of the same files: {reference_s:.2f} s "
        f"(export_audience is {reference_s / export_s:.1f}× faster)"
    )


if __name__ == "__main__":
    main()
