"""Contracts of the acquisition and GA4 marts, as queries the asset checks run.

Each returns the offending rows (empty = contract holds) so a failed check can show them.
"""

from __future__ import annotations

import duckdb

from pipelines.config import Definitions


def duplicate_or_null_keys(
    conn: duckdb.DuckDBPyConnection, table: str, keys: list[str]
) -> list[tuple]:
    """Key values that appear more than once or contain a NULL (``table``/``keys`` are our identifiers)."""
    cols = ", ".join(keys)
    nulls = " OR ".join(f"{k} IS NULL" for k in keys)
    return conn.execute(
        f"SELECT {cols}, count(*) AS n FROM {table} GROUP BY ALL HAVING count(*) > 1 OR {nulls} LIMIT 20"
    ).fetchall()


def channel_twin_mismatches(
    conn: duckdb.DuckDBPyConnection, definitions: Definitions
) -> list[tuple]:
    """(source, medium, sql channel, python channel) where core.channel_map and
    ``Definitions.channel_for`` disagree, over every first-touch pair in core.users."""
    from pipelines.acquisition.build import load_channel_macro

    load_channel_macro(conn)
    pairs = conn.execute(
        """
        SELECT first_utm_source, first_utm_medium, channel_of(first_utm_source, first_utm_medium)
        FROM (SELECT DISTINCT first_utm_source, first_utm_medium FROM core.users)
        """
    ).fetchall()
    return [
        (s, m, c, definitions.channel_for(s, m))
        for s, m, c in pairs
        if c != definitions.channel_for(s, m)
    ]


def acquisition_new_users_gap(conn: duckdb.DuckDBPyConnection) -> int:
    """Users first seen (core.users) minus new users summed over the mart: must be 0."""
    return conn.execute(
        """
        SELECT (SELECT count(*) FROM core.users WHERE first_seen_date IS NOT NULL)
             - (SELECT coalesce(sum(new_users), 0) FROM marts.acquisition_daily)
        """
    ).fetchone()[0]


def signup_share_errors(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Dates whose signup-method shares do not sum to 1."""
    return conn.execute(
        "SELECT date, sum(share) FROM marts.signup_methods_daily GROUP BY date HAVING abs(sum(share) - 1) > 1e-9 LIMIT 20"
    ).fetchall()


def referral_violations(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "SELECT * FROM marts.referrals WHERE referred_paid > referred_signups OR referred_signups < 1 LIMIT 20"
    ).fetchall()
