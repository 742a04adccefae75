"""Property tests: on random event sets, every metrics mart equals the plain-Python
reference (``pipelines.metrics.reference``) computed from the events themselves.

Events go straight into ``raw.events`` and through the real core SQL (identity, events,
users) and the real metrics SQL; the reference never reads the warehouse.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pipelines.config import Definitions, Funnel, FunnelStep, Retention
from pipelines.core.build import (
    build_events,
    build_identity_map,
    build_users,
    ensure_unique_user_uids,
)
from pipelines.metrics import reference
from pipelines.metrics.build import MARTS, build_all
from pipelines.warehouse import connect

SEOUL = ZoneInfo("Asia/Seoul")
START = dt.datetime(2024, 1, 25, 15, 0, tzinfo=dt.UTC)  # 2024-01-26 00:00 in Seoul
KINDS = {
    "page": ("page viewed", "page"),
    "signup": ("Signed Up", "track"),
    "summary": ("Summary Created", "track"),
    "paid": ("Subscription Started", "track"),
    "identify": ("identify", "identify"),
}
FUNNELS = [
    Funnel(
        name="signup_to_paid",
        window_days=14,
        steps=[
            FunnelStep(name="page viewed", event_type="page"),
            FunnelStep(name="Signed Up", event_name="Signed Up"),
            FunnelStep(name="Summary Created", event_name="Summary Created"),
            FunnelStep(name="Subscription Started", event_name="Subscription Started"),
        ],
    ),
    Funnel(
        name="short_window",
        window_days=2,
        steps=[
            FunnelStep(name="any track", event_type="track"),
            FunnelStep(name="page", event_type="page"),
            FunnelStep(name="Summary Created", event_name="Summary Created", event_type="track"),
        ],
    ),
]
DEFINITIONS = Definitions(funnels=FUNNELS)
# Offsets beyond 63 days, fewer offsets than brackets, a bracket past the day offsets and
# one segment type: the mart packs cohort and offset into one integer, sized from these.
OTHER_RETENTION = Retention(
    max_offsets={"day": 70, "week": 2, "month": 1},
    brackets=[(0, 0), (1, 3), (4, 80)],
    segments=["platform"],
)

# Hours from START: ~70 days, so cohorts cross week and month boundaries; coarse steps
# make equal timestamps (funnel strictness) and same-day repeats likely.
event_strategy = st.tuples(
    st.integers(min_value=0, max_value=70 * 24).map(lambda h: h - h % 3),
    st.sampled_from(list(KINDS)),
)
user_strategy = st.fixed_dictionaries(
    {
        "events": st.lists(event_strategy, min_size=1, max_size=14),
        "method": st.sampled_from(["kakao", "google", None]),
        "utm_source": st.sampled_from(["naver", "instagram", None]),
        "platform": st.sampled_from(["ios", "web", "unknown"]),
    }
)


@pytest.fixture(scope="module")
def warehouse_conn(tmp_path_factory):
    conn = connect(tmp_path_factory.mktemp("metrics_props") / "warehouse.duckdb")
    yield conn
    conn.close()


def load_raw(conn, users: list[dict]) -> list[tuple[str, dt.datetime, str, str]]:
    """Replace raw.events with the users' events; returns (user, ts, event_name, event_type)."""
    conn.execute("DELETE FROM raw.events")
    rows, events = [], []
    for index, user in enumerate(users):
        user_key = f"u{index}"
        for number, (hours, kind) in enumerate(user["events"]):
            name, event_type = KINDS[kind]
            ts = START + dt.timedelta(hours=hours)
            properties = {"method": user["method"]} if kind == "signup" and user["method"] else {}
            rows.append(
                (
                    f"{user_key}-{number}",
                    name,
                    event_type,
                    ts,
                    ts.astimezone(SEOUL).date(),
                    user_key,
                    user["utm_source"],
                    user["platform"],
                    json.dumps(properties),
                )
            )
            events.append((user_key, ts, name, event_type))
    conn.executemany(
        """
        INSERT INTO raw.events (event_id, event_name, event_type, event_ts, event_date, user_id,
            utm_source, platform, properties, source, source_file, ingested_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'segment', 'hypothesis', now())
        """,
        rows,
    )
    return events


def facts_from_events(users: list[dict], events) -> tuple[dict, dict]:
    days: dict[str, set[dt.date]] = {}
    facts = {}
    for index, user in enumerate(users):
        user_key = f"u{index}"
        mine = sorted((ts, name, kind) for u, ts, name, kind in events if u == user_key)
        active = {ts.astimezone(SEOUL).date() for ts, _, kind in mine if kind != "identify"}
        if active:
            days[user_key] = active
        signups = [ts for ts, name, _ in mine if name == "Signed Up"]
        paid = [ts for ts, name, _ in mine if name == "Subscription Started"]
        facts[user_key] = reference.UserFacts(
            first_seen_date=min(active) if active else None,
            signup_ts=signups[0] if signups else None,
            signup_date=signups[0].astimezone(SEOUL).date() if signups else None,
            first_paid_ts=paid[0] if paid else None,
            signup_method=user["method"] if signups else None,
            utm_source=user["utm_source"],
            platform=None if user["platform"] == "unknown" else user["platform"],
        )
    return days, facts


def rows(conn, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def approx(value):
    return None if value is None else round(value, 9)


@given(
    users=st.lists(user_strategy, min_size=1, max_size=7),
    week_start=st.integers(min_value=0, max_value=6),
    retention_config=st.sampled_from([Definitions().retention, OTHER_RETENTION]),
)
@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_marts_match_reference(warehouse_conn, settings, users, week_start, retention_config):
    conn = warehouse_conn
    definitions = DEFINITIONS.model_copy(update={"retention": retention_config})
    events = load_raw(conn, users)
    days, facts = facts_from_events(users, events)
    if not days:  # only identify events: no activity, nothing to measure
        return
    run_settings = dataclasses.replace(settings, week_start=reference_weekday(week_start))
    build_identity_map(conn)
    build_events(conn, definitions, run_settings.timezone)
    build_users(conn, run_settings)
    build_all(conn, run_settings, definitions)

    # active users
    actual = rows(
        conn,
        "SELECT date, dau, wau, mau, window_complete, active_28d FROM marts.active_users ORDER BY date",
    )
    assert actual == reference.active_users(days)

    # retention
    retention = definitions.retention
    expected = reference.retention(
        days, facts, week_start, retention.max_offsets, retention.brackets, list(retention.segments)
    )
    actual = {
        row[:7]: (row[7], row[8], approx(row[9]))
        for row in rows(
            conn,
            """SELECT cohort_event, cohort_grain, cohort_start, method, period_offset, segment_type,
                      segment_value, cohort_size, retained_users, retention_rate FROM marts.retention""",
        )
    }
    assert actual == {k: (v[0], v[1], approx(v[2])) for k, v in expected.items()}

    # stickiness and lifecycle
    actual = {
        r[:3]: r[3]
        for r in rows(
            conn, "SELECT period_grain, period_start, active_days, users FROM marts.stickiness"
        )
    }
    assert actual == reference.stickiness(days, week_start)
    actual = {
        r[:3]: r[3]
        for r in rows(conn, "SELECT period_grain, period_start, status, users FROM marts.lifecycle")
    }
    assert actual == reference.lifecycle(days, week_start)

    # conversion
    actual = {
        r[:4]: r[4:]
        for r in rows(
            conn,
            """SELECT cohort_grain, cohort_start, segment_type, segment_value, signups,
                      paid_within_7d, paid_within_30d, paid_ever FROM marts.conversion""",
        )
    }
    assert actual == reference.conversion(days, facts, week_start)

    # funnels
    for funnel in FUNNELS:
        steps = [(s.event_name, s.event_type) for s in funnel.steps]
        expected = reference.funnel(
            events, facts, steps, funnel.window_days, list(retention.segments)
        )
        actual = {
            r[:3]: (r[3], approx(r[4]))
            for r in rows(
                conn,
                f"""SELECT step_number, segment_type, segment_value, users, median_seconds_from_previous
                    FROM marts.funnel WHERE funnel_name = '{funnel.name}'""",
            )
        }
        assert actual == {k: (v[0], approx(v[1])) for k, v in expected.items()}, funnel.name

    # The marts key users by core.events' user_uid, a hash of user_key. When two users share
    # one, the core build rehashes both core tables with a salt: made to happen here (the
    # last user takes the first's id), it must give the same marts.
    if len(facts) >= 2:
        before = {name: rows(conn, f"SELECT * FROM marts.{name} ORDER BY ALL") for name in MARTS}
        for table in ("core.events", "core.users"):
            conn.execute(
                f"UPDATE {table} SET user_uid = (SELECT user_uid FROM core.users WHERE user_key = 'u0') "
                f"WHERE user_key = 'u{len(users) - 1}'"
            )
        assert ensure_unique_user_uids(conn).startswith("#")
        build_all(conn, run_settings, definitions)
        after = {name: rows(conn, f"SELECT * FROM marts.{name} ORDER BY ALL") for name in MARTS}
        assert after == before


def reference_weekday(index: int) -> str:
    return ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[index]
