"""Builds the metrics marts from ``core.events`` / ``core.users``; one function per table.

Every mart except the funnels reads ``core.user_days`` (one row per user and active local
date), so ``build_user_days`` runs first (after ``core.users``: it keys users by
``user_uid``, checked unique over ``core.users``). Each function returns row counts for metadata.
"""

from __future__ import annotations

import duckdb

from pipelines.config import Definitions, Funnel
from pipelines.settings import Settings
from pipelines.warehouse import row_count, run_sql, transaction

MARTS = ("active_users", "retention", "stickiness", "lifecycle", "conversion", "funnel")


def calendar_params(settings: Settings) -> dict[str, int]:
    return {"week_start": settings.week_start_index}


def _run(conn: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> None:
    run_sql(conn, "metrics/macros")
    run_sql(conn, "metrics/activity_macros")
    run_sql(conn, f"metrics/{name}", params)


def build_user_days(
    conn: duckdb.DuckDBPyConnection, uid_salt: str | None = None, by_uid: bool | None = None
) -> dict[str, int | str]:
    """``core.user_activity`` (one row per active user) and the ``core.user_days`` view over
    it. A warehouse built before the view existed has a table of that name: dropped first.

    Users are grouped by their integer ``user_uid`` when some ``user_key`` is longer than
    DuckDB's 12-byte inline strings, else by the key itself (each is the faster one there;
    same table). ``by_uid`` / ``uid_salt`` force the choice / the id salt (tests)."""
    if by_uid is None:
        by_uid = conn.execute(
            "SELECT coalesce(max(strlen(user_key)), 0) > 12 FROM core.users"
        ).fetchone()[0]
    is_table = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'core' AND table_name = 'user_days'"
    ).fetchone()[0]
    if is_table:
        conn.execute("DROP TABLE core.user_days")
    if by_uid:
        define_user_uid(conn, uid_salt)
        run_sql(conn, "metrics/user_activity_by_uid")
    else:
        run_sql(conn, "metrics/user_activity_by_key")
    run_sql(conn, "metrics/user_days")
    users, user_days, days = conn.execute(
        "SELECT count(*), sum(len(dates)), "
        "(SELECT count(DISTINCT d) FROM (SELECT unnest(dates) AS d FROM core.user_activity)) "
        "FROM core.user_activity"
    ).fetchone()
    return {
        "user_days": int(user_days or 0),
        "users": users,
        "dates": days,
        "grouped_by": "user_uid" if by_uid else "user_key",
    }


def build_active_users(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    _run(conn, "active_users")
    return {"rows": row_count(conn, "marts.active_users")}


def retention_params(settings: Settings, definitions: Definitions) -> dict:
    retention = definitions.retention
    return {
        **calendar_params(settings),
        "max_day_offset": retention.max_offsets.get("day", 30),
        "max_week_offset": retention.max_offsets.get("week", 12),
        "max_month_offset": retention.max_offsets.get("month", 12),
        "bracket_lows": [low for low, _ in retention.brackets],
        "bracket_highs": [high for _, high in retention.brackets],
        "bracket_labels": retention.bracket_labels,
        "segments": list(retention.segments),
    }


def build_retention(
    conn: duckdb.DuckDBPyConnection, settings: Settings, definitions: Definitions
) -> dict[str, int]:
    _run(conn, "retention", retention_params(settings, definitions))
    return {"rows": row_count(conn, "marts.retention")}


def build_stickiness(conn: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    _run(conn, "stickiness", calendar_params(settings))
    return {"rows": row_count(conn, "marts.stickiness")}


def build_lifecycle(conn: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    _run(conn, "lifecycle", calendar_params(settings))
    return {"rows": row_count(conn, "marts.lifecycle")}


def build_conversion(conn: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    _run(conn, "conversion", calendar_params(settings))
    return {"rows": row_count(conn, "marts.conversion")}


def funnel_params(funnel: Funnel) -> dict:
    return {
        "funnel_name": funnel.name,
        "step_names": [s.event_name for s in funnel.steps],
        "step_types": [s.event_type for s in funnel.steps],
        "step_labels": [s.name for s in funnel.steps],
        "window_seconds": funnel.window_days * 86_400,
    }


def define_user_uid(conn: duckdb.DuckDBPyConnection, salt: str | None = None) -> str:
    """Define ``user_uid(user_key)`` with the first salt ('', '#1', …) under which every
    user of core.users has its own id (or with ``salt``); returns the salt used."""
    for candidate in [salt] if salt is not None else ["", *(f"#{i}" for i in range(1, 8))]:
        run_sql(conn, "metrics/user_uid", {"salt": candidate})
        unique = conn.execute(
            "SELECT count(DISTINCT user_uid(user_key)) = count(*) FROM core.users"
        ).fetchone()[0]
        if unique:
            return candidate
    # Each salt collides with probability ≈ n² / 2⁶⁵ (≈ 1e-7 for 2M users).
    raise RuntimeError("two users share the 64-bit user id under every salt tried")


def build_funnels(
    conn: duckdb.DuckDBPyConnection, definitions: Definitions, uid_salt: str | None = None
) -> dict[str, int]:
    """Every funnel of ``definitions.funnels`` into ``marts.funnel`` (replaced as a whole).
    ``uid_salt`` forces the users' id salt (tests: the marts do not depend on it)."""
    define_user_uid(conn, uid_salt)
    run_sql(conn, "metrics/funnel_results")
    segments = list(definitions.retention.segments)
    for funnel in definitions.funnels:
        params = {**funnel_params(funnel), "segments": segments}
        run_sql(conn, "metrics/funnel_attempts", params)
        for step in range(2, len(funnel.steps) + 1):
            run_sql(conn, "metrics/funnel_advance", {**params, "step": step})
        run_sql(conn, "metrics/funnel", params)
    with transaction(conn):
        run_sql(conn, "metrics/funnel_publish")
    return {"rows": row_count(conn, "marts.funnel"), "funnels": len(definitions.funnels)}


def build_all(
    conn: duckdb.DuckDBPyConnection, settings: Settings, definitions: Definitions
) -> dict[str, dict[str, int | str]]:
    """Every metrics table in dependency order (for scripts and benchmarks)."""
    return {
        "user_days": build_user_days(conn),
        "active_users": build_active_users(conn),
        "retention": build_retention(conn, settings, definitions),
        "stickiness": build_stickiness(conn, settings),
        "lifecycle": build_lifecycle(conn, settings),
        "conversion": build_conversion(conn, settings),
        "funnel": build_funnels(conn, definitions),
    }
