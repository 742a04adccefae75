"""Contracts of the metrics marts, as plain queries (the Dagster asset checks call these).

Each check returns ``CheckOutcome(passed, metadata)``; ``metadata`` counts the offending
rows and shows a few, so a failed check says what is wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from pipelines.warehouse import run_sql


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    metadata: dict = field(default_factory=dict)


def _violations(
    conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> CheckOutcome:
    """Passes when ``sql`` (a query for offending rows) returns none."""
    frame = conn.execute(sql, params or []).df()
    metadata = {"violations": len(frame)}
    if len(frame):
        metadata["examples"] = frame.head(10).astype(str).to_markdown(index=False)
    return CheckOutcome(len(frame) == 0, metadata)


def _unique(conn: duckdb.DuckDBPyConnection, table: str, key: str) -> str:
    return f"SELECT {key}, count(*) AS n FROM {table} GROUP BY ALL HAVING count(*) > 1"


def active_users_ordered(conn: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """0 ≤ DAU ≤ WAU ≤ MAU on every date, one row per date, no gap from first to last date."""
    return _violations(
        conn,
        """
        SELECT date, dau, wau, mau FROM marts.active_users
        WHERE NOT (0 <= dau AND dau <= wau AND wau <= mau)
           OR (SELECT count(DISTINCT date) FROM marts.active_users)
              <> (SELECT max(date) - min(date) + 1 FROM marts.active_users)
        """,
    )


def active_users_fresh(conn: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """The mart reaches the last loaded date (latest active event_date in core.events)."""
    mart_last, loaded_last = conn.execute(
        """SELECT (SELECT max(date) FROM marts.active_users),
                  (SELECT max(event_date) FROM core.events WHERE is_active)"""
    ).fetchone()
    return CheckOutcome(
        mart_last == loaded_last,
        {"mart_last_date": str(mart_last), "last_loaded_date": str(loaded_last)},
    )


def data_freshness(
    conn: duckdb.DuckDBPyConnection, today: dt.date, max_lag_days: int = 2
) -> CheckOutcome:
    """The last loaded date is at most ``max_lag_days`` before ``today`` (a warning, not a block)."""
    last = conn.execute("SELECT max(event_date) FROM core.events WHERE is_active").fetchone()[0]
    lag = None if last is None else (today - last).days
    return CheckOutcome(
        lag is not None and lag <= max_lag_days,
        {
            "last_loaded_date": str(last),
            "today": str(today),
            "lag_days": lag if lag is not None else -1,
        },
    )


def retention_rates_valid(conn: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Rates within [0, 1], retained ≤ cohort size, offset 0 = 100 %, key unique, and for
    every cell rolling ≥ n_day (same cohort, segment and offset)."""
    return _violations(
        conn,
        """
        SELECT cohort_event, cohort_grain, cohort_start, method, period_offset, segment_type,
               segment_value, 'rate or size out of range' AS problem
        FROM marts.retention
        WHERE retention_rate NOT BETWEEN 0 AND 1 OR retained_users > cohort_size OR cohort_size <= 0
           OR (period_offset = 0 AND retention_rate <> 1)
        UNION ALL
        SELECT n.cohort_event, n.cohort_grain, n.cohort_start, n.method, n.period_offset,
               n.segment_type, n.segment_value, 'rolling < n_day'
        FROM marts.retention AS n
        JOIN marts.retention AS r
          USING (cohort_event, cohort_grain, cohort_start, period_offset, segment_type, segment_value)
        WHERE n.method = 'n_day' AND r.method = 'rolling' AND r.retained_users < n.retained_users
        UNION ALL
        SELECT cohort_event, cohort_grain, cohort_start, method, period_offset, segment_type,
               segment_value, 'duplicate key'
        FROM marts.retention
        GROUP BY ALL HAVING count(*) > 1
        """,
    )


def retention_cohorts_sum(conn: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """For every cohort event, grain and segment type, cohort sizes sum to the number of
    users: active users for 'first_seen', signed-up users for 'signup'."""
    return _violations(
        conn,
        """
        WITH sizes AS (
            SELECT cohort_event, cohort_grain, segment_type, sum(cohort_size) AS users
            FROM marts.retention
            WHERE method = 'n_day' AND period_offset = 0
            GROUP BY ALL
        ),
        expected AS (
            SELECT 'first_seen' AS cohort_event, count(*) FILTER (WHERE last_active_date IS NOT NULL) AS users
            FROM core.users
            UNION ALL
            SELECT 'signup', count(signup_date) FROM core.users
        )
        SELECT s.*, e.users AS expected_users
        FROM sizes AS s JOIN expected AS e USING (cohort_event)
        WHERE s.users <> e.users
        """,
    )


def stickiness_sums_to_active(conn: duckdb.DuckDBPyConnection, week_start: int) -> CheckOutcome:
    """Per period, users summed over active_days = distinct active users in the period,
    and no one is active on more days than the period has."""
    run_sql(conn, "metrics/macros")
    return _violations(
        conn,
        """
        WITH mart AS (
            SELECT period_grain, period_start, sum(users) AS users, max(active_days) AS max_days,
                   any_value(days_in_period) AS days_in_period
            FROM marts.stickiness GROUP BY ALL
        ),
        truth AS (
            SELECT grain AS period_grain, period_start, count(DISTINCT user_key) AS users
            FROM (
                SELECT user_key, 'week' AS grain, period_start_of('week', event_date, ?) AS period_start
                FROM core.user_days
                UNION ALL
                SELECT user_key, 'month', period_start_of('month', event_date, ?) FROM core.user_days
            )
            GROUP BY ALL
        )
        SELECT * FROM mart FULL JOIN truth USING (period_grain, period_start)
        WHERE mart.users IS DISTINCT FROM truth.users OR mart.max_days > mart.days_in_period
        """,
        [week_start, week_start],
    )


def lifecycle_consistent(conn: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Dormant ≤ 0, other statuses ≥ 0, four statuses per period, and
    new + returning + resurrecting = active users of the period (day grain)."""
    return _violations(
        conn,
        """
        SELECT period_grain, period_start, 'sign' AS problem FROM marts.lifecycle
        WHERE (status = 'dormant' AND users > 0) OR (status <> 'dormant' AND users < 0)
        UNION ALL
        SELECT period_grain, period_start, 'statuses' FROM marts.lifecycle
        GROUP BY ALL HAVING count(DISTINCT status) <> 4 OR count(*) <> 4
        UNION ALL
        SELECT l.period_grain, l.period_start, 'active users'
        FROM marts.lifecycle AS l
        LEFT JOIN (SELECT event_date, count(*) AS dau FROM core.user_days GROUP BY ALL) AS a
          ON a.event_date = l.period_start
        WHERE l.period_grain = 'day'
        GROUP BY ALL
        HAVING sum(l.users) FILTER (WHERE l.status <> 'dormant') <> coalesce(any_value(a.dau), 0)
        """,
    )


def conversion_consistent(conn: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """paid_within_7d ≤ paid_within_30d ≤ paid_ever ≤ signups, and the 'all' signups of
    every grain sum to the signed-up users."""
    return _violations(
        conn,
        """
        SELECT cohort_grain, cohort_start, segment_type, segment_value, 'ordering' AS problem
        FROM marts.conversion
        WHERE paid_within_7d > paid_within_30d OR paid_within_30d > paid_ever OR paid_ever > signups
           OR paid_within_7d > paid_ever
        UNION ALL
        SELECT cohort_grain, NULL, segment_type, NULL, 'signups sum'
        FROM marts.conversion
        GROUP BY ALL
        HAVING sum(signups) <> (SELECT count(signup_ts) FROM core.users)
        """,
    )


def funnel_non_increasing(conn: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Within every funnel and segment, users never increase from one step to the next,
    and conversion rates stay within [0, 1]."""
    return _violations(
        conn,
        """
        SELECT funnel_name, segment_type, segment_value, step_number, users, previous_users
        FROM (
            SELECT *, lag(users) OVER (PARTITION BY funnel_name, segment_type, segment_value ORDER BY step_number)
                AS previous_users
            FROM marts.funnel
        )
        WHERE users > previous_users
           OR conversion_from_start NOT BETWEEN 0 AND 1
           OR conversion_from_previous NOT BETWEEN 0 AND 1
        """,
    )
