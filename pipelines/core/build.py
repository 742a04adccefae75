"""Builds the core tables from ``raw.events``; each function rebuilds one model."""

from __future__ import annotations

import duckdb

from pipelines.config import Definitions
from pipelines.ingest.load import files_loaded_in_other_zones
from pipelines.settings import Settings
from pipelines.warehouse import row_count, run_sql, transaction


def build_identity_map(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    run_sql(conn, "core/identity_map")
    return {
        "linked_anonymous_ids": row_count(conn, "core.identity_map"),
        "conflicts": row_count(conn, "core.identity_conflicts"),
    }


class MixedTimezoneError(RuntimeError):
    """raw.events holds local dates of another reporting zone than the configured one."""


def build_events(
    conn: duckdb.DuckDBPyConnection, definitions: Definitions, timezone: str
) -> dict[str, int]:
    """Rebuild core.events; refuses when files were loaded in another zone than ``timezone``:
    local dates are fixed at load time, so mixing zones would shift some days' events."""
    other_zones = files_loaded_in_other_zones(conn, timezone)
    if other_zones:
        raise MixedTimezoneError(
            f"RETAINLY_TIMEZONE is {timezone}, but files were loaded while it was "
            + ", ".join(f"{zone} ({n} files)" for zone, n in other_zones.items())
            + ": their event dates are in that zone. Load them again (`retainly run`, or a "
            "backfill of raw/events over every partition in the Dagster UI) or set "
            "RETAINLY_TIMEZONE back."
        )
    run_sql(
        conn,
        "core/events",
        {
            "activity_types": list(definitions.activity.event_types),
            "excluded_event_names": list(definitions.activity.exclude_event_names),
            "uid_salt": user_uid_salt(conn),
        },
    )
    events, users = conn.execute(
        "SELECT count(*), count(DISTINCT user_key) FROM core.events"
    ).fetchone()
    return {"events": events, "user_keys": users}


def build_users(conn: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    run_sql(conn, "core/users", {"tz": settings.timezone})
    salt = ensure_unique_user_uids(conn)
    users, signups, paid = conn.execute(
        "SELECT count(*), count(signup_ts), count(first_paid_ts) FROM core.users"
    ).fetchone()
    return {"users": users, "signups": signups, "paid_users": paid, "user_uid_salt": salt}


def user_uid_salt(conn: duckdb.DuckDBPyConnection) -> str:
    """The salt of ``user_uid`` (ops.user_uid_salt; '' = the plain hash)."""
    row = conn.execute(
        "SELECT salt FROM ops.user_uid_salt ORDER BY chosen_at DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else ""


def ensure_unique_user_uids(conn: duckdb.DuckDBPyConnection) -> str:
    """Keep ``user_uid`` one-to-one with ``user_key``: if two users of core.users share one
    (each salt collides with probability ≈ n² / 2⁶⁵, about 1e-7 for 2M users), rehash both
    core tables with the first salt ('#1', '#2', …) under which none do, and keep that salt
    for later builds. Returns the salt in use."""
    salt = user_uid_salt(conn)
    unique_sql = "SELECT count(DISTINCT user_uid) = count(*) FROM core.users"
    if conn.execute(unique_sql).fetchone()[0]:
        return salt
    for salt in (f"#{i}" for i in range(1, 8)):
        rehashed = "SELECT count(DISTINCT hash(user_key || $salt)) = count(*) FROM core.users"
        if conn.execute(rehashed, {"salt": salt}).fetchone()[0]:
            break
    else:
        raise RuntimeError("two users share the 64-bit user id under every salt tried")
    with transaction(conn):
        for table in ("core.events", "core.users"):
            conn.execute(f"UPDATE {table} SET user_uid = hash(user_key || $salt)", {"salt": salt})
        conn.execute("DELETE FROM ops.user_uid_salt")
        conn.execute("INSERT INTO ops.user_uid_salt VALUES ($salt, now())", {"salt": salt})
    return salt


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
