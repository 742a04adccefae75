"""Hand-computed fixtures at the edges of the definitions: week and month boundaries in
the reporting zone (Asia/Seoul), week start, users active only on their cohort day, gaps
and resurrection, funnel steps out of order / outside the window / at equal times, and
conversion windows that end exactly on the boundary. Every expected table is complete.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import dagster as dg
import pytest

from pipelines.metrics.build import MARTS, build_all
from pipelines.resources import warehouse_resource
from tests.conftest import page, track

D = dt.date.fromisoformat

# eve: first seen Sun 2024-03-31 23:50 Seoul, back 20 minutes later on Mon 04-01 (still
#      2024-03-31 in UTC), then Mon 04-08.  fay: Mon 03-25, then nothing until Tue 04-30.
# The last loaded date is Tue 2024-04-30.
CALENDAR = {
    "2024-03-25": [page("2024-03-25T10:00:00+09:00", user_id="fay")],
    "2024-03-31": [
        page("2024-03-31T23:50:00+09:00", user_id="eve"),
        page("2024-04-01T00:10:00+09:00", user_id="eve"),
    ],
    "2024-04-08": [page("2024-04-08T09:00:00+09:00", user_id="eve")],
    "2024-04-30": [page("2024-04-30T12:00:00+09:00", user_id="fay")],
}


def retained(
    conn, grain: str, method: str, cohort_event: str = "first_seen", max_offset: int = 6
) -> list[tuple]:
    return conn.execute(
        """
        SELECT cohort_start, period_offset, period_label, cohort_size, retained_users
        FROM marts.retention
        WHERE cohort_event = ? AND cohort_grain = ? AND method = ? AND segment_type = 'all'
          AND period_offset <= ?
        ORDER BY cohort_start, period_offset
        """,
        [cohort_event, grain, method, max_offset],
    ).fetchall()


@pytest.fixture
def calendar(load_events, settings, definitions):
    conn = load_events(CALENDAR)
    build_all(conn, settings, definitions)
    return conn


def test_weekly_retention_across_the_seoul_week_boundary(calendar):
    # One Monday-week cohort (03-25 … 03-31) of eve and fay. Week 5 (04-29 … 05-05) ends after
    # the last loaded date 04-30: NULL, although fay is active on 04-30.
    assert retained(calendar, "week", "n_day") == [
        (D("2024-03-25"), 0, "Week 0", 2, 2),
        (D("2024-03-25"), 1, "Week 1", 2, 1),  # eve on 04-01 00:10 Seoul
        (D("2024-03-25"), 2, "Week 2", 2, 1),  # eve on 04-08
        (D("2024-03-25"), 3, "Week 3", 2, 0),
        (D("2024-03-25"), 4, "Week 4", 2, 0),
        (D("2024-03-25"), 5, "Week 5", 2, None),
        (D("2024-03-25"), 6, "Week 6", 2, None),
    ]
    assert retained(calendar, "week", "rolling") == [
        (D("2024-03-25"), 0, "Week 0", 2, 2),
        (D("2024-03-25"), 1, "Week 1", 2, 2),  # eve, and fay (04-30 is on or after)
        (D("2024-03-25"), 2, "Week 2", 2, 2),
        (D("2024-03-25"), 3, "Week 3", 2, 1),  # fay only
        (D("2024-03-25"), 4, "Week 4", 2, 1),
        (D("2024-03-25"), 5, "Week 5", 2, None),
        (D("2024-03-25"), 6, "Week 6", 2, None),
    ]


# ann signs up on her first-seen day (one member row stands for both of her cohorts); bo is
# first seen on 05-01 and signs up on 05-03 (a separate signup-cohort row). Last loaded
# date: Sat 2024-05-04.
SIGNUP_DAYS = {
    "2024-05-01": [
        page("2024-05-01T10:00:00+09:00", user_id="ann"),
        track("Signed Up", "2024-05-01T10:05:00+09:00", user_id="ann", method="kakao"),
        page("2024-05-01T11:00:00+09:00", user_id="bo"),
    ],
    "2024-05-02": [page("2024-05-02T09:00:00+09:00", user_id="ann")],
    "2024-05-03": [track("Signed Up", "2024-05-03T09:00:00+09:00", user_id="bo", method="google")],
    "2024-05-04": [
        page("2024-05-04T09:00:00+09:00", user_id="ann"),
        page("2024-05-04T10:00:00+09:00", user_id="bo"),
    ],
}


def test_first_seen_and_signup_cohorts_of_same_day_and_later_signups(
    load_events, settings, definitions
):
    conn = load_events(SIGNUP_DAYS)
    build_all(conn, settings, definitions)
    assert retained(conn, "day", "n_day", max_offset=4) == [
        (D("2024-05-01"), 0, "Day 0", 2, 2),
        (D("2024-05-01"), 1, "Day 1", 2, 1),  # ann
        (D("2024-05-01"), 2, "Day 2", 2, 1),  # bo's sign-up
        (D("2024-05-01"), 3, "Day 3", 2, 2),
        (D("2024-05-01"), 4, "Day 4", 2, None),
    ]
    assert retained(conn, "day", "n_day", "signup", max_offset=4) == [
        (D("2024-05-01"), 0, "Day 0", 1, 1),  # ann
        (D("2024-05-01"), 1, "Day 1", 1, 1),
        (D("2024-05-01"), 2, "Day 2", 1, 0),
        (D("2024-05-01"), 3, "Day 3", 1, 1),
        (D("2024-05-01"), 4, "Day 4", 1, None),
        (D("2024-05-03"), 0, "Day 0", 1, 1),  # bo
        (D("2024-05-03"), 1, "Day 1", 1, 1),
        (D("2024-05-03"), 2, "Day 2", 1, None),
        (D("2024-05-03"), 3, "Day 3", 1, None),
        (D("2024-05-03"), 4, "Day 4", 1, None),
    ]
    assert retained(conn, "day", "rolling", "signup", max_offset=3) == [
        (D("2024-05-01"), 0, "Day 0", 1, 1),
        (D("2024-05-01"), 1, "Day 1", 1, 1),
        (D("2024-05-01"), 2, "Day 2", 1, 1),  # ann again on 05-04
        (D("2024-05-01"), 3, "Day 3", 1, 1),
        (D("2024-05-03"), 0, "Day 0", 1, 1),
        (D("2024-05-03"), 1, "Day 1", 1, 1),
        (D("2024-05-03"), 2, "Day 2", 1, None),
        (D("2024-05-03"), 3, "Day 3", 1, None),
    ]
    # Both cohort events by signup method: ann (kakao) and bo (google) in their own rows.
    assert conn.execute(
        """SELECT cohort_event, cohort_start, segment_value, cohort_size,
                  list(retained_users ORDER BY period_offset)
           FROM marts.retention
           WHERE cohort_grain = 'day' AND method = 'n_day' AND segment_type = 'signup_method'
             AND period_offset <= 3
           GROUP BY ALL ORDER BY cohort_event, cohort_start, segment_value"""
    ).fetchall() == [
        ("first_seen", D("2024-05-01"), "google", 1, [1, 0, 1, 1]),
        ("first_seen", D("2024-05-01"), "kakao", 1, [1, 1, 0, 1]),
        ("signup", D("2024-05-01"), "kakao", 1, [1, 1, 0, 1]),
        ("signup", D("2024-05-03"), "google", 1, [1, 1, None, None]),
    ]


def test_sunday_week_start_moves_the_cohorts(load_events, settings, definitions):
    conn = load_events(CALENDAR)
    build_all(conn, dataclasses.replace(settings, week_start="sunday"), definitions)
    # Weeks start on Sunday: fay's cohort is 03-24, eve's is 03-31 and her 04-01 visit is
    # now in her cohort week (offset 0), not week 1.
    assert retained(conn, "week", "n_day", max_offset=5) == [
        (D("2024-03-24"), 0, "Week 0", 1, 1),
        (D("2024-03-24"), 1, "Week 1", 1, 0),
        (D("2024-03-24"), 2, "Week 2", 1, 0),
        (D("2024-03-24"), 3, "Week 3", 1, 0),
        (D("2024-03-24"), 4, "Week 4", 1, 0),
        (D("2024-03-24"), 5, "Week 5", 1, None),  # 04-28 … 05-04
        (D("2024-03-31"), 0, "Week 0", 1, 1),
        (D("2024-03-31"), 1, "Week 1", 1, 1),  # 04-08
        (D("2024-03-31"), 2, "Week 2", 1, 0),
        (D("2024-03-31"), 3, "Week 3", 1, 0),
        (D("2024-03-31"), 4, "Week 4", 1, None),
        (D("2024-03-31"), 5, "Week 5", 1, None),
    ]


def test_monthly_and_daily_retention_at_the_month_boundary(calendar):
    assert retained(calendar, "month", "n_day", max_offset=2) == [
        (D("2024-03-01"), 0, "Month 0", 2, 2),
        (D("2024-03-01"), 1, "Month 1", 2, 2),  # April ends on the last loaded date: observed
        (D("2024-03-01"), 2, "Month 2", 2, None),
    ]
    # Daily: eve's 00:10 visit is day 1 in Seoul (in UTC it would be day 0).
    assert retained(calendar, "day", "n_day", max_offset=1) == [
        (D("2024-03-25"), 0, "Day 0", 1, 1),
        (D("2024-03-25"), 1, "Day 1", 1, 0),
        (D("2024-03-31"), 0, "Day 0", 1, 1),
        (D("2024-03-31"), 1, "Day 1", 1, 1),
    ]


def test_range_brackets_count_from_the_users_own_date(calendar):
    assert retained(calendar, "day", "range") == [
        # fay (day 0 on 03-25) is active again on day 36: bracket 31-60 ends 05-24, NULL.
        (D("2024-03-25"), 0, "0", 1, 1),
        (D("2024-03-25"), 1, "1", 1, 0),
        (D("2024-03-25"), 2, "2-7", 1, 0),
        (D("2024-03-25"), 3, "8-14", 1, 0),
        (D("2024-03-25"), 4, "15-30", 1, 0),
        (D("2024-03-25"), 5, "31-60", 1, None),
        (D("2024-03-25"), 6, "61-90", 1, None),
        # eve: days 0, 1 and 8. Bracket 15-30 ends 03-31 + 30 = 04-30, just observed.
        (D("2024-03-31"), 0, "0", 1, 1),
        (D("2024-03-31"), 1, "1", 1, 1),
        (D("2024-03-31"), 2, "2-7", 1, 0),
        (D("2024-03-31"), 3, "8-14", 1, 1),
        (D("2024-03-31"), 4, "15-30", 1, 0),
        (D("2024-03-31"), 5, "31-60", 1, None),
        (D("2024-03-31"), 6, "61-90", 1, None),
    ]
    # Weekly cohort 03-25 … 03-31: a bracket needs 03-31 + its upper bound ≤ 04-30.
    assert retained(calendar, "week", "range") == [
        (D("2024-03-25"), 0, "0", 2, 2),
        (D("2024-03-25"), 1, "1", 2, 1),
        (D("2024-03-25"), 2, "2-7", 2, 0),
        (D("2024-03-25"), 3, "8-14", 2, 1),
        (D("2024-03-25"), 4, "15-30", 2, 0),
        (D("2024-03-25"), 5, "31-60", 2, None),
        (D("2024-03-25"), 6, "61-90", 2, None),
    ]


def test_lifecycle_gap_and_resurrection(calendar):
    rows = calendar.execute(
        "SELECT period_grain, period_start, status, users FROM marts.lifecycle WHERE period_grain <> 'day' ORDER BY ALL"
    ).fetchall()
    expected = []
    weekly = {
        "2024-03-25": {"new": 2},  # fay (Mon) and eve (Sun)
        "2024-04-01": {"returning": 1, "dormant": -1},  # eve back, fay gone
        "2024-04-08": {"returning": 1},
        "2024-04-15": {"dormant": -1},  # eve gone
        "2024-04-22": {},
        "2024-04-29": {"resurrecting": 1},  # fay, after four empty weeks
    }
    monthly = {"2024-03-01": {"new": 2}, "2024-04-01": {"returning": 2}}  # by month fay never left
    for grain, table in (("month", monthly), ("week", weekly)):
        for start, counts in table.items():
            for status in ("dormant", "new", "resurrecting", "returning"):
                expected.append((grain, D(start), status, counts.get(status, 0)))
    assert rows == expected


def test_stickiness_and_active_users_at_boundaries(calendar):
    assert calendar.execute(
        "SELECT period_grain, period_start, active_days, users, period_complete FROM marts.stickiness ORDER BY ALL"
    ).fetchall() == [
        ("month", D("2024-03-01"), 1, 2, False),  # starts before the first loaded date
        ("month", D("2024-04-01"), 1, 1, True),  # fay
        ("month", D("2024-04-01"), 2, 1, True),  # eve: 04-01 and 04-08
        ("week", D("2024-03-25"), 1, 2, True),
        ("week", D("2024-04-01"), 1, 1, True),
        ("week", D("2024-04-08"), 1, 1, True),
        ("week", D("2024-04-29"), 1, 1, False),  # runs past the last loaded date
    ]
    picked = calendar.execute(
        """SELECT date, dau, wau, mau, window_complete FROM marts.active_users
           WHERE date IN ('2024-03-31', '2024-04-01', '2024-04-22', '2024-04-23', '2024-04-24', '2024-04-30')
           ORDER BY date"""
    ).fetchall()
    assert picked == [
        (D("2024-03-31"), 1, 2, 2, False),  # eve; WAU 03-25 … 03-31 still has fay
        (D("2024-04-01"), 1, 1, 2, False),  # WAU 03-26 … 04-01: fay dropped out
        (D("2024-04-22"), 0, 0, 2, False),
        (D("2024-04-23"), 0, 0, 2, True),  # 03-25 … 04-23: first complete 30-day window
        (D("2024-04-24"), 0, 0, 1, True),  # fay's 03-25 leaves the window
        (D("2024-04-30"), 1, 1, 2, True),
    ]
    assert calendar.execute(
        "SELECT count(*), min(date), max(date) FROM marts.active_users"
    ).fetchone() == (
        37,
        D("2024-03-25"),
        D("2024-04-30"),
    )


T0 = dt.datetime(2024, 6, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def at(days: float = 0, seconds: int = 0) -> str:
    return (T0 + dt.timedelta(days=days, seconds=seconds)).isoformat()


FUNNEL_EVENTS = {
    "2024-06-03": [
        # gus: signs up before his first page view — out of order, step 2 never follows step 1.
        track("Signed Up", at(), user_id="gus"),
        page(at(seconds=3600), user_id="gus"),
        track("Summary Created", at(seconds=7200), user_id="gus"),
        # hana: page view, then signup 15 days later — outside the 14-day window.
        page(at(), user_id="hana"),
        track("Signed Up", at(days=15), user_id="hana"),
        # ivy: pages on day 0 and 10; signup day 20, summary day 21, subscription day 40.
        # The attempt from day 10 gets furthest (3 steps); the subscription is outside.
        page(at(), user_id="ivy"),
        page(at(days=10), user_id="ivy"),
        track("Signed Up", at(days=20), user_id="ivy"),
        track("Summary Created", at(days=21), user_id="ivy"),
        track("Subscription Started", at(days=40), user_id="ivy"),
        # jun: page view and signup at the same instant — not strictly after.
        page(at(), user_id="jun"),
        track("Signed Up", at(), user_id="jun"),
        # kim: every step, the last exactly 14 days after the first (window is inclusive).
        page(at(), user_id="kim"),
        track("Signed Up", at(seconds=60), user_id="kim"),
        track("Summary Created", at(seconds=120), user_id="kim"),
        track("Subscription Started", at(days=14), user_id="kim"),
    ]
}


def test_funnel_order_window_and_ties(load_events, settings, definitions):
    conn = load_events(FUNNEL_EVENTS)
    build_all(conn, settings, definitions)
    rows = conn.execute(
        """SELECT step_number, step_name, users, conversion_from_start, conversion_from_previous,
                  median_seconds_from_previous
           FROM marts.funnel WHERE funnel_name = 'signup_to_paid' AND segment_type = 'all'
           ORDER BY step_number"""
    ).fetchall()
    assert rows == [
        (1, "page viewed", 5, 1.0, None, None),  # gus, hana, ivy, jun, kim
        (2, "Signed Up", 2, 0.4, 0.4, (10 * 86400 + 60) / 2),  # ivy (10 days), kim (60 s)
        (3, "Summary Created", 2, 0.4, 1.0, (86400 + 60) / 2),  # ivy (1 day), kim (60 s)
        (4, "Subscription Started", 1, 0.2, 0.5, 14 * 86400 - 120.0),  # kim
    ]
    # Segment rows exist for every value seen at step 1, with zeros further down.
    assert conn.execute(
        """SELECT segment_value, list(users ORDER BY step_number) FROM marts.funnel
           WHERE segment_type = 'signup_method' GROUP BY ALL"""
    ).fetchall() == [("(none)", [5, 2, 2, 1])]


# leo signs up twice: the attempt from his first page view reaches the sign-up but his first
# summary comes 20 days later (outside the window); the one from his page view on day 30
# reaches both the second sign-up and a summary after it. mia signs up once; of her summaries
# only the first after the sign-up counts, and her subscription follows it.
REPEATED_SIGNUP_EVENTS = {
    "2024-06-03": [
        page(at(), user_id="leo"),
        track("Signed Up", at(seconds=3600), user_id="leo"),
        track("Summary Created", at(days=20), user_id="leo"),
        page(at(days=30), user_id="leo"),
        track("Signed Up", at(days=30, seconds=3600), user_id="leo"),
        track("Summary Created", at(days=30, seconds=7200), user_id="leo"),
        page(at(), user_id="mia"),
        track("Summary Created", at(seconds=30), user_id="mia"),  # before her sign-up
        track("Signed Up", at(seconds=60), user_id="mia"),
        track("Summary Created", at(days=2), user_id="mia"),
        track("Summary Created", at(days=3), user_id="mia"),
        track("Subscription Started", at(days=2, seconds=60), user_id="mia"),
    ]
}


def test_funnel_repeated_signups_and_summaries(load_events, settings, definitions):
    conn = load_events(REPEATED_SIGNUP_EVENTS)
    build_all(conn, settings, definitions)
    assert conn.execute(
        """SELECT step_number, users, conversion_from_start, conversion_from_previous,
                  median_seconds_from_previous
           FROM marts.funnel WHERE funnel_name = 'signup_to_paid' AND segment_type = 'all'
           ORDER BY step_number"""
    ).fetchall() == [
        (1, 2, 1.0, None, None),
        (2, 2, 1.0, 1.0, (3600 + 60) / 2),  # leo (second attempt), mia
        (3, 2, 1.0, 1.0, (3600 + 2 * 86400 - 60) / 2),  # leo 1 h after sign-up 2, mia day 2
        (4, 1, 0.5, 0.5, 60.0),  # mia, 60 s after her day-2 summary
    ]


CONVERSION_EVENTS = {
    "2024-05-01": [
        track("Signed Up", "2024-05-01T10:00:00+09:00", user_id="lee", method="kakao"),
        track("Signed Up", "2024-05-01T11:00:00+09:00", user_id="min", method="google"),
    ],
    "2024-05-02": [
        track("Signed Up", "2024-05-02T09:00:00+09:00", user_id="noh", method="kakao"),
        track("Signed Up", "2024-05-02T23:30:00+09:00", user_id="oh", method="kakao"),
    ],
    "2024-05-08": [
        track("Subscription Started", "2024-05-08T10:00:00+09:00", user_id="lee"),  # exactly 7 days
        track("Subscription Started", "2024-05-08T11:00:01+09:00", user_id="min"),  # 7 days + 1 s
    ],
    "2024-05-31": [
        track("Subscription Started", "2024-05-31T09:00:00+09:00", user_id="noh")
    ],  # 29 days
    "2024-06-01": [page("2024-06-01T12:00:00+09:00", user_id="pak")],  # last loaded date 06-01
}


def test_conversion_windows(load_events, settings, definitions):
    conn = load_events(CONVERSION_EVENTS)
    build_all(conn, settings, definitions)
    rows = conn.execute(
        """SELECT cohort_grain, cohort_start, segment_type, segment_value, signups,
                  paid_within_7d, paid_within_30d, paid_ever
           FROM marts.conversion ORDER BY ALL"""
    ).fetchall()
    assert rows == [
        # day 05-01 (lee, min): both windows observed (05-08, 05-31 ≤ 06-01)
        ("day", D("2024-05-01"), "all", "all", 2, 1, 2, 2),
        ("day", D("2024-05-01"), "signup_method", "google", 1, 0, 1, 1),
        ("day", D("2024-05-01"), "signup_method", "kakao", 1, 1, 1, 1),
        ("day", D("2024-05-01"), "utm_source", "(direct)", 2, 1, 2, 2),
        # day 05-02 (noh, oh): 05-02 + 30 = 06-01, observed on the last loaded date
        ("day", D("2024-05-02"), "all", "all", 2, 0, 1, 1),
        ("day", D("2024-05-02"), "signup_method", "kakao", 2, 0, 1, 1),
        ("day", D("2024-05-02"), "utm_source", "(direct)", 2, 0, 1, 1),
        # May: 05-31 + 7 is after 06-01, both windows unobserved
        ("month", D("2024-05-01"), "all", "all", 4, None, None, 3),
        ("month", D("2024-05-01"), "signup_method", "google", 1, None, None, 1),
        ("month", D("2024-05-01"), "signup_method", "kakao", 3, None, None, 2),
        ("month", D("2024-05-01"), "utm_source", "(direct)", 4, None, None, 3),
        # week of Mon 04-29: 05-05 + 7 observed, 05-05 + 30 = 06-04 not yet
        ("week", D("2024-04-29"), "all", "all", 4, 1, None, 3),
        ("week", D("2024-04-29"), "signup_method", "google", 1, 0, None, 1),
        ("week", D("2024-04-29"), "signup_method", "kakao", 3, 1, None, 2),
        ("week", D("2024-04-29"), "utm_source", "(direct)", 4, 1, None, 3),
    ]


def test_signup_cohort_excludes_visitors_and_counts_any_activity(calendar):
    # Nobody in CALENDAR signed up: there are no signup cohorts; first-seen cohorts sum to 2.
    assert calendar.execute(
        "SELECT count(*) FROM marts.retention WHERE cohort_event = 'signup'"
    ).fetchone() == (0,)
    assert calendar.execute(
        """SELECT cohort_grain, sum(cohort_size) FROM marts.retention
           WHERE cohort_event = 'first_seen' AND method = 'n_day' AND period_offset = 0 AND segment_type = 'all'
           GROUP BY ALL ORDER BY ALL"""
    ).fetchall() == [("day", 2), ("week", 2), ("month", 2)]  # an ENUM sorts in its own order


def test_label_and_segment_value_enums_behave_as_text(calendar):
    # Stored as ENUMs made from the configuration's labels and the data's segment values, in
    # text order: sorting, comparing and filtering on a value absent from the data work as
    # they would on text.
    types = dict(
        calendar.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'marts' AND table_name = 'retention'"
        ).fetchall()
    )
    assert types["period_label"].startswith("ENUM(") and types["segment_value"].startswith("ENUM(")
    labels = [
        r[0]
        for r in calendar.execute(
            "SELECT DISTINCT period_label FROM marts.retention ORDER BY period_label"
        ).fetchall()
    ]
    assert labels == sorted(labels) and {"Day 30", "Week 12", "Month 12", "61-90"} <= set(labels)
    assert calendar.execute(
        "SELECT DISTINCT segment_type::VARCHAR, segment_value FROM marts.retention ORDER BY segment_value"
    ).fetchall() == [
        ("utm_source", "(direct)"),
        ("signup_method", "(none)"),
        ("all", "all"),
        ("platform", "web"),
    ]
    assert calendar.execute(
        "SELECT count(*) FROM marts.retention WHERE segment_value = 'naver' OR period_label = 'Day 99'"
    ).fetchone() == (0,)
    assert (
        calendar.execute(
            "SELECT count(*) FROM marts.retention WHERE period_label > 'Month' AND period_label < 'Week'"
        ).fetchone()
        == calendar.execute(
            "SELECT count(*) FROM marts.retention WHERE period_label LIKE 'Month %'"
        ).fetchone()
    )


def test_dagster_assets_materialize_with_passing_checks(load_events, settings):
    from pipelines.defs.metrics import defs

    conn = load_events(CALENDAR)
    conn.close()  # the assets open the warehouse themselves
    result = dg.materialize(
        [*defs.assets], resources={"duckdb": warehouse_resource(settings)}, raise_on_error=True
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks.pop("data_freshness") is False  # 2024 data is not fresh; a warning only
    assert checks and all(checks.values()), checks
    keys = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert keys == {
        f"marts/{m}"
        for m in ("active_users", "retention", "stickiness", "lifecycle", "conversion", "funnel")
    } | {"core/user_days"}


def test_core_events_of_an_older_release_get_a_clear_error(load_events, settings, definitions):
    conn = load_events({"2024-03-04": [page("2024-03-04T10:00:00+09:00", user_id="u1")]})
    conn.execute("ALTER TABLE core.events DROP COLUMN user_uid")  # as built before user_uid
    with pytest.raises(RuntimeError, match="no user_uid column.*core/events and core/users"):
        build_all(conn, settings, definitions)


def test_no_activity_yet_builds_every_mart_empty(load_events, settings, definitions):
    # A product whose only event so far is not activity (app_remove is excluded by default):
    # every mart is built, empty, with its usual columns.
    conn = load_events(
        {"2024-03-01": [track("app_remove", "2024-03-01T10:00:00+09:00", user_id="a")]}
    )
    build_all(conn, settings, definitions)
    assert {
        name: conn.execute(f"SELECT count(*) FROM marts.{name}").fetchone()[0] for name in MARTS
    } == {name: 0 for name in MARTS}
    assert [c[0] for c in conn.execute("DESCRIBE marts.retention").fetchall()] == [
        "cohort_event", "cohort_grain", "cohort_start", "method", "period_offset", "period_label",
        "cohort_size", "retained_users", "retention_rate", "segment_type", "segment_value",
    ]  # fmt: skip
