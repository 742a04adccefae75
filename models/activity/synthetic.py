"""Synthetic ``core.events`` with predictable activity, for tests and benchmarks at scales
the demo generator does not reach quickly (see ``sql/model/synthetic_events.sql``).
Never used by the pipeline."""

from __future__ import annotations

import datetime as dt

import duckdb

from pipelines.warehouse import run_sql


def build_synthetic_events(
    conn: duckdb.DuckDBPyConnection, users: int, days: int, start: dt.date = dt.date(2026, 1, 5)
) -> int:
    """Replace ``core.events`` with synthetic events; returns the number of events."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS core")
    conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
    run_sql(conn, "model/synthetic_events", {"users": users, "days": days, "start": start})
    return conn.execute("SELECT count(*) FROM core.events").fetchone()[0]
