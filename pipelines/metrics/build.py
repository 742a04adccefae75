"""Builds the metrics marts from ``core.events`` / ``core.users``; one function per table.

Every mart except the funnels reads ``core.user_activity`` (each active user's local dates,
keyed by core.events' integer ``user_uid``), so ``build_user_days`` runs first. Each function
returns row counts for metadata.
"""

from __future__ import annotations

import duckdb

from pipelines.config import Definitions, Funnel
from pipelines.settings import Settings
from pipelines.warehouse import column_exists, row_count, run_sql, transaction

MARTS = ("active_users", "retention", "stickiness", "lifecycle", "conversion", "funnel")


def calendar_params(settings: Settings) -> dict[str, int]:
    return {"week_start": settings.week_start_index}


def _run(conn: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> None:
    run_sql(conn, "metrics/macros")
    run_sql(conn, "metrics/activity_macros")
    run_sql(conn, f"metrics/{name}", params)


def build_user_days(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """``core.user_activity`` (one row per active user) and the ``core.user_days`` view over
    it. A warehouse built before the view existed has a table of that name: dropped first."""
    if not column_exists(conn, "core.events", "user_uid"):
        # Built by a release before core.events carried the users' integer id.
        raise RuntimeError(
            "core.events has no user_uid column: it was built by an older Retainly. "
            "Materialize core/events and core/users again (`retainly run --select 'key:core/*'`) "
            "before the metrics."
        )
    is_table = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'core' AND table_name = 'user_days'"
    ).fetchone()[0]
    if is_table:
        conn.execute("DROP TABLE core.user_days")
    run_sql(conn, "metrics/user_activity")
    run_sql(conn, "metrics/user_days")
    users, user_days, days = conn.execute(
        "SELECT count(*), sum(len(dates)), "
        "(SELECT count(DISTINCT d) FROM (SELECT unnest(dates) AS d FROM core.user_activity)) "
        "FROM core.user_activity"
    ).fetchone()
    return {"user_days": int(user_days or 0), "users": users, "dates": days}


def build_active_users(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    _run(conn, "active_users")
    return {"rows": row_count(conn, "marts.active_users")}


def retention_params(settings: Settings, definitions: Definitions) -> dict:
    retention = definitions.retention
    max_offsets = {
        grain: retention.max_offsets.get(grain, default)
        for grain, default in (("day", 30), ("week", 12), ("month", 12))
    }
    return {
        **calendar_params(settings),
        **{f"max_{grain}_offset": offset for grain, offset in max_offsets.items()},
        "bracket_lows": [low for low, _ in retention.brackets],
        "bracket_highs": [high for _, high in retention.brackets],
        "bracket_labels": retention.bracket_labels,
        "segments": list(retention.segments),
        # packs a cohort and an offset (or bracket index) into one integer key
        "offset_radix": max(*max_offsets.values(), len(retention.brackets)) + 1,
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


def build_funnels(conn: duckdb.DuckDBPyConnection, definitions: Definitions) -> dict[str, int]:
    """Every funnel of ``definitions.funnels`` into ``marts.funnel`` (replaced as a whole)."""
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
