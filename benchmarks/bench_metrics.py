"""Metrics benchmark: every metrics mart against the DuckDB floor, measured in the same run.

    python benchmarks/bench_metrics.py --events 10000000              # + pandas reference
    python benchmarks/bench_metrics.py --events 100000000 --no-pandas

The floor is one ``SELECT event_date, count(DISTINCT user_key) FROM core.events GROUP BY
event_date`` scan: DAU alone, the least any active-users computation must do. Each mart's
time is reported as a ratio to it: the floor is timed between every two steps, the whole
sequence runs ``--repeat`` times (3), and each step's best run is compared with the best
floor run, so a shared machine's drifting speed does not skew the ratios. The marts read
``core.user_activity`` (the user_days step: one aggregation of the events, ``core.user_days``
is a view over it), so the table shows it both separately and added to active users.

The pandas reference (``benchmarks/pandas_marts.py``, also the best of ``--repeat`` runs)
computes every mart at the same scope, and each of its results is compared row for row with
the mart just built: the speed-up is between two implementations of the same tables.

Data: ``--home`` reuses a warehouse built by the real pipeline (e.g. ``retainly demo``, or
``bench_ingest.py --keep DIR`` for 10M / 100M demo events); otherwise a synthetic
``core.events`` / ``core.users`` is written directly in DuckDB (users arriving over a year,
exponential numbers of active days with per-user gaps, a few events per active day, 60 %
sign up, 10 % of those pay, 5 % of events are not activity; user keys short enough for
DuckDB to store inline, unlike the demo's). Phases run in separate processes, so peak RSS is
each phase's own.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._harness import markdown_table, run_phase  # noqa: E402

FLOOR_SQL = "SELECT event_date, count(DISTINCT user_key) FROM core.events GROUP BY event_date"
EVENTS_PER_USER = 47  # of the synthetic population (measured), to size it from --events

SYNTHETIC_SQL = [
    """
    CREATE OR REPLACE TABLE bench_users AS
    SELECT
        'u' || i AS user_key,
        least(floor(sqrt(random()) * $days), $days - 1)::INTEGER AS first_day,
        1 + floor(-ln(1 - random()) * 10)::INTEGER AS n_days,
        1 + floor(-ln(1 - random()) * 4)::INTEGER AS mean_gap,
        random() < 0.6 AS signs_up,
        random() < 0.1 AS pays,
        ['kakao', 'google', 'instagram', 'apple', 'email'][1 + floor(random() * 5)::INTEGER] AS signup_method,
        [NULL, 'naver', 'kakao', 'google', 'instagram', 'facebook'][1 + floor(random() * 6)::INTEGER] AS utm_source,
        ['ios', 'android', 'web'][1 + floor(random() * 3)::INTEGER] AS platform
    FROM range($users) AS t(i)
    """,
    """
    CREATE OR REPLACE TABLE bench_days AS
    SELECT DISTINCT user_key, day, k = 0 AS is_first
    FROM (
        SELECT u.user_key, u.first_day + CASE WHEN k = 0 THEN 0
                   ELSE floor(k * u.mean_gap + random() * u.mean_gap)::INTEGER END AS day, k
        FROM bench_users AS u, unnest(range(u.n_days)) AS r(k)
    )
    WHERE day < $days
    """,
    """
    CREATE OR REPLACE TABLE core.events AS
    WITH per_day AS (
        SELECT d.user_key, d.day, d.is_first, 1 + floor(-ln(1 - random()) * 5)::INTEGER AS n_events
        FROM bench_days AS d
    ),
    events AS (
        SELECT
            p.user_key,
            p.day,
            j,
            TIMESTAMPTZ '2025-01-01 00:00:00+09' + to_seconds((p.day * 86400 + 21600 + j * 600 + floor(random() * 600))::BIGINT) AS event_ts,
            CASE WHEN p.is_first AND j = 0 THEN 'page viewed'
                 WHEN p.is_first AND j = 1 THEN 'signup'
                 ELSE ['page viewed', 'page viewed', 'Summary Created', 'Summary Created', 'Paper Uploaded',
                       'Paper Viewed', 'Search Performed', 'Subscription Started', 'identify', 'page viewed'
                      ][1 + floor(random() * 10)::INTEGER] END AS kind
        FROM per_day AS p, unnest(range(greatest(p.n_events, CASE WHEN p.is_first THEN 2 ELSE 1 END))) AS r(j)
    )
    SELECT
        'e' || row_number() OVER () AS event_id,
        CASE WHEN e.kind = 'signup' THEN CASE WHEN u.signs_up THEN 'Signed Up' ELSE 'page viewed' END
             WHEN e.kind = 'Subscription Started' AND NOT (u.signs_up AND u.pays) THEN 'Summary Created'
             ELSE e.kind END AS event_name,
        CASE WHEN e.kind = 'page viewed' OR (e.kind = 'signup' AND NOT u.signs_up) THEN 'page'
             WHEN e.kind = 'identify' THEN 'identify' ELSE 'track' END AS event_type,
        e.event_ts,
        (DATE '2025-01-01' + e.day) AS event_date,
        e.user_key,
        hash(e.user_key) AS user_uid,
        u.utm_source,
        u.platform,
        e.kind <> 'identify' AS is_active
    FROM events AS e
    JOIN bench_users AS u USING (user_key)
    """,
    """
    CREATE OR REPLACE TABLE core.users AS
    WITH agg AS (
        SELECT
            user_key,
            any_value(user_uid) AS user_uid,
            min(event_ts) FILTER (WHERE is_active) AS first_seen_ts,
            min(event_date) FILTER (WHERE is_active) AS first_seen_date,
            max(event_date) FILTER (WHERE is_active) AS last_active_date,
            min(event_ts) FILTER (WHERE event_name = 'Signed Up') AS signup_ts,
            min(event_ts) FILTER (WHERE event_name = 'Subscription Started') AS first_paid_ts
        FROM core.events
        GROUP BY user_key
    )
    SELECT
        a.user_key, a.user_uid, a.first_seen_ts, a.first_seen_date, a.signup_ts,
        timezone('Asia/Seoul', a.signup_ts)::DATE AS signup_date,
        CASE WHEN a.signup_ts IS NOT NULL THEN u.signup_method END AS signup_method,
        u.utm_source AS first_utm_source, u.platform, a.first_paid_ts, a.last_active_date
    FROM agg AS a
    JOIN bench_users AS u USING (user_key)
    """,
    "DROP TABLE bench_days",
    "DROP TABLE bench_users",
]


def _settings(home: str):
    import os

    os.environ["RETAINLY_HOME"] = home
    os.environ.setdefault("RETAINLY_TIMEZONE", "Asia/Seoul")
    from pipelines.config import load_definitions
    from pipelines.settings import load_settings

    settings = load_settings()
    return settings, load_definitions(home=settings.home)


def synthesize(home: str, events: int, days: int) -> dict:
    from pipelines.core.build import ensure_unique_user_uids
    from pipelines.warehouse import connect, execute

    settings, _ = _settings(home)
    conn = connect(settings.warehouse_path)
    params = {"users": max(1, events // EVENTS_PER_USER), "days": days}
    for statement in SYNTHETIC_SQL:
        execute(conn, statement, params)
    ensure_unique_user_uids(conn)
    n_events, n_users = conn.execute(
        "SELECT count(*), count(DISTINCT user_key) FROM core.events"
    ).fetchone()
    conn.close()
    return {"events": n_events, "users": n_users}


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all threads)."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def marts(home: str, repeat: int = 3) -> dict:
    """Every mart, each between two floor runs, the whole sequence ``repeat`` times (a
    shared machine's speed drifts: the report takes each step's best run and the best
    floor run). One process, warm cache for all."""
    from pipelines.metrics import build
    from pipelines.warehouse import connect

    settings, definitions = _settings(home)
    conn = connect(settings.warehouse_path)
    conn.execute(FLOOR_SQL).fetchall()  # warm-up: the first read pulls the table into memory
    # The first query with list parameters imports numpy/pandas inside duckdb (seconds, once
    # per process): not a cost of any mart.
    conn.execute("SELECT $x::VARCHAR[]", {"x": [None, "x"]}).fetchall()
    steps = {
        "user_days": lambda: build.build_user_days(conn),
        "active_users": lambda: build.build_active_users(conn),
        "retention": lambda: build.build_retention(conn, settings, definitions),
        "stickiness": lambda: build.build_stickiness(conn, settings),
        "lifecycle": lambda: build.build_lifecycle(conn, settings),
        "conversion": lambda: build.build_conversion(conn, settings),
        "funnel": lambda: build.build_funnels(conn, definitions),
    }
    floors = []
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in steps}
    for _ in range(repeat):
        floors.append(_timed(lambda: conn.execute(FLOOR_SQL).fetchall()))
        for name, step in steps.items():
            times[name].append(_timed(step))
            floors.append(_timed(lambda: conn.execute(FLOOR_SQL).fetchall()))
    counts = {
        "events": conn.execute("SELECT count(*) FROM core.events").fetchone()[0],
        "user_days_rows": conn.execute("SELECT count(*) FROM core.user_days").fetchone()[0],
    }
    conn.close()
    return {"floors": floors, "times": times, "repeat": repeat, **counts}


MART_QUERIES = {
    "active_users": "SELECT date - DATE '1970-01-01' AS date, dau, wau, mau FROM marts.active_users",
    "retention": """
        SELECT cohort_event::VARCHAR AS cohort_event, cohort_grain::VARCHAR AS cohort_grain,
               cohort_start - DATE '1970-01-01' AS cohort_start, method::VARCHAR AS method,
               period_offset, segment_type::VARCHAR AS segment_type, segment_value,
               cohort_size, retained_users
        FROM marts.retention""",
    "stickiness": """
        SELECT period_grain, period_start - DATE '1970-01-01' AS period_start, active_days, users
        FROM marts.stickiness""",
    "lifecycle": """
        SELECT period_grain, period_start - DATE '1970-01-01' AS period_start, status, users
        FROM marts.lifecycle""",
    "funnel": """
        SELECT step_number, segment_type, segment_value, users, median_seconds_from_previous
        FROM marts.funnel WHERE funnel_name = $funnel""",
    "conversion": """
        SELECT cohort_grain, cohort_start - DATE '1970-01-01' AS cohort_start, segment_type,
               segment_value, signups, paid_within_7d, paid_within_30d, paid_ever
        FROM marts.conversion""",
}
MART_KEYS = {
    "active_users": ["date"],
    "retention": [
        "cohort_event",
        "cohort_grain",
        "cohort_start",
        "method",
        "period_offset",
        "segment_type",
        "segment_value",
    ],
    "stickiness": ["period_grain", "period_start", "active_days"],
    "lifecycle": ["period_grain", "period_start", "status"],
    "conversion": ["cohort_grain", "cohort_start", "segment_type", "segment_value"],
    "funnel": ["step_number", "segment_type", "segment_value"],
}


def pandas_reference(home: str, repeat: int = 3) -> dict:
    """Every mart written the usual pandas way (benchmarks/pandas_marts.py), at the marts'
    full scope; its timings without and with the funnel. Loading the frames is not timed. Each result is compared
    with the mart the marts phase built: rows that differ are reported (0 = the same table)."""
    import duckdb

    from benchmarks import pandas_marts as pm

    settings, definitions = _settings(home)
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    conn.execute("SET enable_progress_bar = false")  # it writes to stdout, where results go
    events = conn.execute("SELECT user_key, event_date, is_active FROM core.events").df()
    users = conn.execute(
        """
        SELECT user_key, first_seen_date - DATE '1970-01-01' AS first_seen_day,
               signup_date - DATE '1970-01-01' AS signup_day,
               -- naive UTC: DuckDB's pandas conversion of TIMESTAMPTZ calls an API pandas 3
               -- deprecates; the pandas code only subtracts them
               timezone('UTC', signup_ts) AS signup_ts, timezone('UTC', first_paid_ts) AS first_paid_ts,
               signup_method, first_utm_source, platform
        FROM core.users
        """
    ).df()
    funnel = definitions.funnels[0]
    steps = [pm.FunnelStep(s.name, s.event_name, s.event_type) for s in funnel.steps]
    # The events of the funnel's step names / types (the pandas code matches steps exactly).
    funnel_events = conn.execute(
        """
        SELECT user_key, epoch_us(event_ts) AS ts, event_name, event_type FROM core.events
        WHERE list_contains($names, event_name) OR list_contains($types, event_type)
        """,
        {
            "names": [s.event_name for s in steps if s.event_name],
            "types": [s.event_type for s in steps if s.event_type],
        },
    ).df()
    marts_frames = {
        name: conn.execute(sql, {"funnel": funnel.name} if "$funnel" in sql else None).df()
        for name, sql in MART_QUERIES.items()
    }
    conn.close()
    cal = pm.Calendar(settings.week_start_index)
    retention = definitions.retention
    config = pm.RetentionConfig(
        max_offsets={
            g: retention.max_offsets.get(g, d)
            for g, d in (("day", 30), ("week", 12), ("month", 12))
        },
        brackets=list(retention.brackets),
        segments=list(retention.segments),
    )

    def run_once() -> tuple:
        start, cpu_start = time.perf_counter(), time.process_time()
        days = pm.active_days(events)
        results = {"active_users": pm.active_users(days)}
        active_seconds, active_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        results["retention"] = pm.retention(days, users, cal, config)
        results["stickiness"] = pm.stickiness(days, cal)
        results["lifecycle"] = pm.lifecycle(days, cal)
        results["conversion"] = pm.conversion(users, days["day"].max(), cal)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        results["funnel"] = pm.funnel(
            funnel_events, users, steps, funnel.window_days * 86_400, config.segments
        )
        with_funnel = time.perf_counter() - start, time.process_time() - cpu_start
        return results, active_seconds, active_cpu, seconds, cpu, *with_funnel

    runs = [run_once() for _ in range(repeat)]
    active_seconds, active_cpu, seconds, cpu, funnel_seconds, funnel_cpu = (
        min(r[i] for r in runs) for i in range(1, 7)
    )
    differing = {
        name: pm.mismatches(frame, marts_frames[name], MART_KEYS[name])
        for name, frame in runs[0][0].items()
    }
    return {
        "active_seconds": active_seconds,
        "active_cpu": active_cpu,
        "all_seconds": seconds,
        "all_cpu": cpu,
        "with_funnel_seconds": funnel_seconds,
        "with_funnel_cpu": funnel_cpu,
        "differing_rows": differing,
        "rows": {name: len(frame) for name, frame in runs[0][0].items()},
    }


def best_times(result: dict) -> dict[str, tuple[float, float]]:
    """Each step's best (wall, CPU) over the repeated runs."""
    return {
        name: (min(run[0] for run in runs), min(run[1] for run in runs))
        for name, runs in result["times"].items()
    }


def report(result: dict) -> str:
    """Seconds and ratios to the floor, by wall clock and by CPU time: each step's best of
    the repeated runs against the best floor run (the least-disturbed measurement of each on
    a shared machine; CPU time is not inflated by other processes competing for the cores)."""
    floors = result["floors"]
    times = best_times(result)
    names = list(times)
    rows = []
    best_floor = [min(f[j] for f in floors) for j in (0, 1)]
    rows.append(
        [
            "floor: GROUP BY event_date, count(DISTINCT user_key)",
            f"{best_floor[0]:.2f}",
            "1.00",
            f"{best_floor[1]:.2f}",
            "1.00",
        ]
    )
    ratios = {}
    for name in names:
        wall, cpu = times[name]
        ratios[name] = (wall / best_floor[0], cpu / best_floor[1])
        label = "core.user_days" if name == "user_days" else f"marts.{name}"
        rows.append(
            [label, f"{wall:.2f}", f"{ratios[name][0]:.2f}", f"{cpu:.2f}", f"{ratios[name][1]:.2f}"]
        )

    def combined(label: str, members: list[str]) -> list[str]:
        return [
            label,
            f"{sum(times[m][0] for m in members):.2f}",
            f"{sum(ratios[m][0] for m in members):.2f}",
            f"{sum(times[m][1] for m in members):.2f}",
            f"{sum(ratios[m][1] for m in members):.2f}",
        ]

    rows.append(
        combined(
            "active users from events (user_days + active_users)", ["user_days", "active_users"]
        )
    )
    rows.append(combined("all marts (incl. user_days)", names))
    return markdown_table(["step", "wall s", "× floor (wall)", "CPU s", "× floor (CPU)"], rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--events", type=int, default=10_000_000, help="approximate synthetic events"
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--home", default=None, help="use (and keep) this RETAINLY_HOME's warehouse"
    )
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas reference")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of every step; the best one is reported"
    )
    args = parser.parse_args()
    home = args.home or tempfile.mkdtemp(prefix="retainly-bench-metrics-")
    try:
        if not (Path(home) / "warehouse.duckdb").exists():
            made = run_phase(
                "benchmarks.bench_metrics",
                "synthesize",
                home=home,
                events=args.events,
                days=args.days,
            )
            print(
                f"synthesized {made['events']:,} events of {made['users']:,} users in {made['seconds']:.1f}s "
                f"(peak {made['peak_mb']:.0f} MB)"
            )
        result = run_phase("benchmarks.bench_metrics", "marts", home=home, repeat=args.repeat)
        print(
            f"\n{result['events']:,} events, {result['user_days_rows']:,} user-days; "
            f"best of {result['repeat']} runs of every step and of {len(result['floors'])} floor runs"
        )
        print(report(result))
        print(f"peak RSS of the marts process: {result['peak_mb']:.0f} MB")
        if not args.no_pandas:
            ref = run_phase(
                "benchmarks.bench_metrics", "pandas_reference", home=home, repeat=args.repeat
            )
            times = best_times(result)
            ours = {
                "active": [sum(times[m][j] for m in ("user_days", "active_users")) for j in (0, 1)],
                "all": [sum(t[j] for name, t in times.items() if name != "funnel") for j in (0, 1)],
                "with_funnel": [sum(t[j] for t in times.values()) for j in (0, 1)],
            }
            rows = [
                [
                    label,
                    f"{ref[f'{key}_seconds']:.1f}",
                    f"{ours[key][0]:.2f}",
                    f"{ref[f'{key}_seconds'] / ours[key][0]:.1f}×",
                    f"{ref[f'{key}_cpu'] / ours[key][1]:.1f}×",
                ]
                for label, key in (
                    ("active users (from events)", "active"),
                    ("all marts but the funnel", "all"),
                    ("all marts", "with_funnel"),
                )
            ]
            print(
                "\n"
                + markdown_table(
                    [
                        "pandas reference vs DuckDB",
                        "pandas s",
                        "DuckDB s",
                        "speed-up (wall)",
                        "speed-up (CPU)",
                    ],
                    rows,
                )
            )
            compared = ", ".join(
                f"{name} {ref['rows'][name]:,} rows, {ref['differing_rows'][name]} differ"
                for name in ref["rows"]
            )
            print(
                f"pandas results vs the marts: {compared}; pandas peak RSS {ref['peak_mb']:.0f} MB"
            )
    finally:
        if not args.home:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
