"""Builds the channel map and the acquisition marts; each function rebuilds one table."""

from __future__ import annotations

import duckdb

from pipelines.config import ConfigError, Definitions
from pipelines.settings import Settings
from pipelines.warehouse import row_count, run_sql, transaction


def build_channel_map(conn: duckdb.DuckDBPyConnection, definitions: Definitions) -> dict[str, int]:
    """core.channel_map from the ``channels:`` rules, in order (rule_order starts at 1).

    Each pattern must also compile in DuckDB's regex engine (RE2), which lacks some of
    Python's features (look-arounds, back-references): such a rule is a config error.
    """
    rows = [(i, r.channel, r.source, r.medium) for i, r in enumerate(definitions.channels, start=1)]
    for order, channel, source, medium in rows:
        for field, pattern in (("source", source), ("medium", medium)):
            try:
                conn.execute("SELECT regexp_full_match('', ?, 'i')", [pattern]).fetchone()
            except duckdb.Error as exc:
                raise ConfigError(
                    f"{definitions.source_path}: channels[{order - 1}] ({channel}) {field} pattern "
                    f"{pattern!r} is not supported by DuckDB's regex engine: {str(exc).splitlines()[0]}"
                ) from exc
    with transaction(conn):
        run_sql(conn, "acquisition/channel_map")
        if rows:
            conn.executemany("INSERT INTO core.channel_map VALUES (?, ?, ?, ?)", rows)
    return {"rules": len(rows), "channels": len({r[1] for r in rows})}


def load_channel_macro(conn: duckdb.DuckDBPyConnection) -> None:
    """``channel_of(source, medium)`` on this connection (needs core.channel_map)."""
    run_sql(conn, "acquisition/macros")


def build_acquisition_daily(
    conn: duckdb.DuckDBPyConnection, settings: Settings
) -> dict[str, int | float]:
    load_channel_macro(conn)
    run_sql(conn, "acquisition/acquisition_daily", {"tz": settings.timezone})
    rows, new_users, signups, paid, revenue = conn.execute(
        "SELECT count(*), coalesce(sum(new_users), 0), coalesce(sum(signups), 0), "
        "coalesce(sum(paid_users), 0), coalesce(sum(revenue), 0) FROM marts.acquisition_daily"
    ).fetchone()
    return {
        "rows": rows,
        "new_users": new_users,
        "signups": signups,
        "paid_users": paid,
        "revenue": revenue,
    }


def build_referrals(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    run_sql(conn, "acquisition/referrals")
    referrers, signups, paid = conn.execute(
        "SELECT count(*), coalesce(sum(referred_signups), 0), coalesce(sum(referred_paid), 0) FROM marts.referrals"
    ).fetchone()
    return {"referrers": referrers, "referred_signups": signups, "referred_paid": paid}


def build_signup_methods_daily(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    run_sql(conn, "acquisition/signup_methods_daily")
    return {"rows": row_count(conn, "marts.signup_methods_daily")}
