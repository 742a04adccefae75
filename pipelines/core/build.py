"""Builds the core tables from ``raw.events``; each function rebuilds one model."""

from __future__ import annotations

import duckdb

from pipelines.config import Definitions
from pipelines.settings import Settings
from pipelines.warehouse import row_count, run_sql


def build_identity_map(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    run_sql(conn, "core/identity_map")
    return {
        "linked_anonymous_ids": row_count(conn, "core.identity_map"),
        "conflicts": row_count(conn, "core.identity_conflicts"),
    }


def build_events(conn: duckdb.DuckDBPyConnection, definitions: Definitions) -> dict[str, int]:
    run_sql(
        conn,
        "core/events",
        {
            "activity_types": list(definitions.activity.event_types),
            "excluded_event_names": list(definitions.activity.exclude_event_names),
        },
    )
    events, users = conn.execute(
        "SELECT count(*), count(DISTINCT user_key) FROM core.events"
    ).fetchone()
    return {"events": events, "user_keys": users}


def build_users(conn: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    run_sql(conn, "core/users", {"tz": settings.timezone})
    users, signups, paid = conn.execute(
        "SELECT count(*), count(signup_ts), count(first_paid_ts) FROM core.users"
    ).fetchone()
    return {"users": users, "signups": signups, "paid_users": paid}


def revenue_currencies(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Payment events per currency (upper-cased; '(none)' when absent). core.users sums
    `revenue` as sent, so its totals mean something only when this has one currency."""
    rows = conn.execute(
        """
        SELECT coalesce(upper(trim(json_extract_string(properties, '$.currency'))), '(none)'), count(*)
        FROM core.events
        WHERE event_name IN ('Subscription Started', 'Order Completed')
            AND try_cast(json_extract_string(properties, '$.revenue') AS DOUBLE) <> 0
        GROUP BY 1
        ORDER BY 2 DESC, 1
        """
    ).fetchall()
    return dict(rows)


def last_loaded_date(conn: duckdb.DuckDBPyConnection):
    """The latest local date with any activity: the end of every "fully observed" window."""
    return conn.execute("SELECT max(event_date) FROM core.events WHERE is_active").fetchone()[0]
