"""Builds the GA4 marts: traffic by day and source, and the reconciliation with our own logs."""

from __future__ import annotations

import duckdb

from pipelines.acquisition.build import load_channel_macro
from pipelines.ga4.data_api import ensure_tables, property_name
from pipelines.settings import Settings
from pipelines.warehouse import row_count, run_sql

# Event names counted as key events when GA4 numbers are computed from the export:
# GA4's default key events for web (purchase) and apps (in-app purchases).
EXPORT_KEY_EVENTS = ["purchase", "in_app_purchase", "app_store_subscription_convert"]


def _property_id(settings: Settings) -> str | None:
    if not settings.ga4_property_id:
        return None
    return property_name(settings.ga4_property_id).removeprefix("properties/")


def build_export_sessions(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    run_sql(conn, "ga4/export_sessions", {"key_events": EXPORT_KEY_EVENTS})
    return {"sessions": row_count(conn, "core.ga4_export_sessions")}


def build_traffic_daily(conn: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, object]:
    """marts.ga4_traffic_daily (needs core.channel_map): Data API dates, else the export."""
    ensure_tables(conn)
    sessions = build_export_sessions(conn)
    load_channel_macro(conn)
    run_sql(conn, "ga4/traffic_daily", {"property_id": _property_id(settings)})
    by_source = dict(
        conn.execute(
            "SELECT source, count(DISTINCT date) FROM marts.ga4_traffic_daily GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    return {
        "rows": row_count(conn, "marts.ga4_traffic_daily"),
        "dates_by_source": by_source,
        **sessions,
    }


def build_reconciliation(conn: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, object]:
    ensure_tables(conn)
    run_sql(conn, "ga4/reconciliation", {"property_id": _property_id(settings)})
    rows, dau_ratio, new_ratio = conn.execute(
        "SELECT count(*), median(dau_ratio), median(new_users_ratio) FROM marts.ga4_reconciliation"
    ).fetchone()
    return {"dates": rows, "median_dau_ratio": dau_ratio, "median_new_users_ratio": new_ratio}
