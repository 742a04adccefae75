"""Selection and identifier hygiene: ``marts.audience_members`` and its history.

Input: ``marts.activity_scores`` (one as_of) joined to ``core.users`` (hashed contacts, ad
ids, consent) and, for the recency filter, ``core.events``. Output for (audience, as_of):
one row per exported member in ``marts.audience_members_wide`` (read through the view
``marts.audience_members``: one row per identifier), entered / left users in
``marts.audience_changes`` and a summary row in ``marts.audience_history``. No raw email or
phone exists anywhere here: they are hashed at ingest.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field

import duckdb

from pipelines.audiences.config import Audience, AudienceConfig
from pipelines.audiences.countries import country_codes
from pipelines.config import Definitions
from pipelines.settings import Settings
from pipelines.warehouse import run_sql, table_exists, transaction

log = logging.getLogger(__name__)

SCORES_TABLE = "marts.activity_scores"
IDENTIFIER_TYPES = (
    "madid",
    "email_sha256",
    "email_sha256_google",
    "phone_sha256",
    "phone_sha256_digits",
    "first_name_sha256",
    "last_name_sha256",
    "country",
)


class AudienceError(RuntimeError):
    """An audience cannot be built from the warehouse as it is (message says what to run)."""


@dataclass
class Membership:
    """What one build of an audience selected, removed (per reason) and kept."""

    audience: str
    as_of: dt.date
    model_version: str | None
    rows_in: int
    users_removed: dict[str, int]
    identifiers_removed: dict[str, int]
    members: int
    identifiers: dict[str, int]
    previous_as_of: dt.date | None = None
    entered: int = 0
    left: int = 0
    built_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    run_sql(conn, "audiences/schema")


def has_scores(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether the activity model scored anyone (not before a first version can be trained)."""
    return table_exists(conn, SCORES_TABLE) and bool(
        conn.execute(f"SELECT EXISTS (SELECT 1 FROM {SCORES_TABLE})").fetchone()[0]
    )


def resolve_as_of(conn: duckdb.DuckDBPyConnection, requested: dt.date | None) -> dt.date:
    """The scores' as_of to use: ``requested`` itself, or the latest one when not given
    (``RETAINLY_AS_OF`` runs pass the latest as_of on or before that day)."""
    if not table_exists(conn, SCORES_TABLE):
        raise AudienceError(
            f"{SCORES_TABLE} does not exist: materialize the activity model first "
            "(retainly run --select 'key:marts/activity_scores')"
        )
    available = [
        r[0]
        for r in conn.execute(f"SELECT DISTINCT as_of FROM {SCORES_TABLE} ORDER BY 1").fetchall()
    ]
    if not available:
        raise AudienceError(f"{SCORES_TABLE} is empty: the activity model scored nobody")
    if requested is None:
        return available[-1]
    if requested in available:
        return requested
    raise AudienceError(
        f"{SCORES_TABLE} has no scores as of {requested} (available: {', '.join(map(str, available))}); "
        f"rescore with `retainly run --as-of {requested}`"
    )


def latest_as_of_on_or_before(conn: duckdb.DuckDBPyConnection, day: dt.date | None) -> dt.date:
    """For pipeline runs: the latest scored as_of, not after ``day`` when given."""
    latest = resolve_as_of(conn, None)
    if day is None or latest <= day:
        return latest
    earlier = conn.execute(
        f"SELECT max(as_of) FROM {SCORES_TABLE} WHERE as_of <= ?", [day]
    ).fetchone()[0]
    if earlier is None:
        raise AudienceError(f"{SCORES_TABLE} has no scores on or before {day}")
    return earlier


def load_channel_rules(conn: duckdb.DuckDBPyConnection, definitions: Definitions) -> None:
    """retainly.yaml's channel rules as a table, so the channel filter uses one mapping."""
    conn.execute("DELETE FROM audience_channel_rules")
    rows = [(i, r.channel, r.source, r.medium) for i, r in enumerate(definitions.channels)]
    if rows:
        conn.executemany("INSERT INTO audience_channel_rules VALUES (?, ?, ?, ?)", rows)


def load_country_codes(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("DELETE FROM audience_country_codes")
    conn.executemany("INSERT INTO audience_country_codes VALUES (?, ?)", country_codes())


def _selection_params(audience: Audience, as_of: dt.date, settings: Settings) -> dict:
    selection, filters = audience.selection, audience.filters
    return {
        "audience": audience.name,
        "as_of": as_of,
        "tz": settings.timezone,
        "rank_by": selection.rank_by,
        "top_share": selection.top_share,
        "top_n": selection.top_n,
        "min_score": selection.min_score,
        "platforms": list(filters.platforms or []),
        "channels": list(filters.channels or []),
        "signup_methods": list(filters.signup_methods or []),
        "paid": filters.paid,
        "active_within_days": filters.active_within_days,
        "exclude_audience": audience.exclude_audience,
    }


def select_users(
    conn: duckdb.DuckDBPyConnection,
    config: AudienceConfig,
    audience: Audience,
    as_of: dt.date,
    settings: Settings,
) -> None:
    """Fill ``audience_selection`` for ``audience`` (and first for its exclusion chain)."""
    if audience.exclude_audience is not None:
        select_users(conn, config, config.get(audience.exclude_audience), as_of, settings)
    run_sql(conn, "audiences/select_users", _selection_params(audience, as_of, settings))


def _counts(
    conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> dict[str, int]:
    return {key: int(n) for key, n in conn.execute(sql, params or []).fetchall()}


def build_members(
    conn: duckdb.DuckDBPyConnection,
    config: AudienceConfig,
    name: str,
    as_of: dt.date,
    settings: Settings,
    definitions: Definitions,
    now: dt.datetime | None = None,
) -> Membership:
    """Select, clean and publish one audience at ``as_of`` (a rerun replaces that date)."""
    now = now or dt.datetime.now(dt.UTC)
    audience = config.get(name)
    ensure_tables(conn)
    load_channel_rules(conn, definitions)
    load_country_codes(conn)
    select_users(conn, config, audience, as_of, settings)
    run_sql(
        conn,
        "audiences/members",
        {"audience": audience.name, "require_explicit_consent": config.consent.require_explicit},
    )
    model_version = conn.execute(
        f"SELECT max(model_version) FROM {SCORES_TABLE} WHERE as_of = ?", [as_of]
    ).fetchone()[0]
    users_removed = _counts(
        conn,
        "SELECT removed_reason, count(*) FROM audience_users WHERE removed_reason IS NOT NULL GROUP BY 1 ORDER BY 1",
    )
    identifiers_removed = _counts(
        conn,
        """
        SELECT identifier_type || ':' || reason, count(*)
        FROM audience_identifier_issues
        GROUP BY 1 ORDER BY 1
        """,
    )
    with transaction(conn):
        run_sql(
            conn,
            "audiences/publish_members",
            {
                "audience": audience.name,
                "as_of": as_of,
                "model_version": model_version,
                "now": now,
                "users_removed": json.dumps(users_removed),
                "identifiers_removed": json.dumps(identifiers_removed),
            },
        )
    membership = load_membership(conn, audience.name, as_of)
    log.info(
        "audience %s as of %s: %d selected, %d members (%d entered, %d left), removed %s",
        audience.name,
        as_of,
        membership.rows_in,
        membership.members,
        membership.entered,
        membership.left,
        membership.users_removed,
    )
    return membership


def load_membership(conn: duckdb.DuckDBPyConnection, audience: str, as_of: dt.date) -> Membership:
    """The published result of ``build_members`` for (audience, as_of), from the marts."""
    row = conn.execute(
        """
        SELECT selected_users, users_removed, identifiers_removed, members, previous_as_of, entered, "left",
               model_version, created_at
        FROM marts.audience_history WHERE audience = ? AND as_of = ?
        """,
        [audience, as_of],
    ).fetchone()
    if row is None:
        raise AudienceError(
            f"audience {audience!r} has no members as of {as_of}: build marts.audience_members first"
        )
    (
        rows_in,
        users_removed,
        identifiers_removed,
        members,
        previous_as_of,
        entered,
        left,
        model_version,
        built_at,
    ) = row
    counts = conn.execute(
        """
        SELECT coalesce(sum(len(madids)), 0), count(email_sha256), count(email_sha256_google), count(phone_sha256),
               count(phone_sha256_digits), count(first_name_sha256), count(last_name_sha256), count(country)
        FROM marts.audience_members_wide WHERE audience = ? AND as_of = ?
        """,
        [audience, as_of],
    ).fetchone()
    identifiers = dict(zip(IDENTIFIER_TYPES, map(int, counts), strict=True))
    return Membership(
        audience=audience,
        as_of=as_of,
        model_version=model_version,
        rows_in=rows_in,
        users_removed=json.loads(users_removed),
        identifiers_removed=json.loads(identifiers_removed),
        members=members,
        identifiers=identifiers,
        previous_as_of=previous_as_of,
        entered=entered,
        left=left,
        built_at=built_at,
    )
