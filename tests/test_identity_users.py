"""Identity stitching (first link wins) and core.users."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from pipelines.core.build import (
    MixedTimezoneError,
    build_events,
    build_users,
    ensure_unique_user_uids,
)
from tests.conftest import page, track


def test_pre_signup_anonymous_events_are_attributed_to_the_user(load_events):
    conn = load_events(
        {
            "2024-03-01": [page("2024-03-01T09:00:00+09:00", anonymous_id="anon-1")],
            "2024-03-02": [
                page("2024-03-02T09:00:00+09:00", anonymous_id="anon-1"),
                track(
                    "Signed Up",
                    "2024-03-02T09:05:00+09:00",
                    user_id="u1",
                    anonymous_id="anon-1",
                    method="kakao",
                ),
                track("Summary Created", "2024-03-02T09:06:00+09:00", user_id="u1"),
                page("2024-03-02T10:00:00+09:00", anonymous_id="anon-2"),  # never linked
            ],
        }
    )
    rows = conn.execute(
        "SELECT event_date, event_name, user_key FROM core.events ORDER BY event_ts"
    ).fetchall()
    assert rows == [
        (dt.date(2024, 3, 1), "Home", "u1"),
        (dt.date(2024, 3, 2), "Home", "u1"),
        (dt.date(2024, 3, 2), "Signed Up", "u1"),
        (dt.date(2024, 3, 2), "Summary Created", "u1"),
        (dt.date(2024, 3, 2), "Home", "anon-2"),
    ]
    users = conn.execute(
        "SELECT user_key, first_seen_date, signup_date, signup_method FROM core.users ORDER BY user_key"
    ).fetchall()
    assert users == [
        ("anon-2", dt.date(2024, 3, 2), None, None),
        ("u1", dt.date(2024, 3, 1), dt.date(2024, 3, 2), "kakao"),
    ]


def test_first_link_wins_and_conflict_is_recorded(load_events):
    conn = load_events(
        {
            "2024-03-02": [
                page("2024-03-02T08:00:00+09:00", anonymous_id="shared-device"),
                {
                    "type": "identify",
                    "messageId": "i1",
                    "userId": "alice",
                    "anonymousId": "shared-device",
                    "timestamp": "2024-03-02T09:00:00+09:00",
                },
                {
                    "type": "identify",
                    "messageId": "i2",
                    "userId": "bob",
                    "anonymousId": "shared-device",
                    "timestamp": "2024-03-02T12:00:00+09:00",
                },
                track(
                    "Summary Created",
                    "2024-03-02T12:01:00+09:00",
                    user_id="bob",
                    anonymous_id="shared-device",
                ),
                {
                    "type": "alias",
                    "messageId": "al",
                    "previousId": "old-anon",
                    "userId": "carol",
                    "timestamp": "2024-03-02T13:00:00+09:00",
                },
                page("2024-03-02T07:00:00+09:00", anonymous_id="old-anon"),
            ]
        }
    )
    assert conn.execute(
        "SELECT anonymous_id, user_id, linked_user_count FROM core.identity_map ORDER BY 1"
    ).fetchall() == [
        ("old-anon", "carol", 1),
        ("shared-device", "alice", 2),
    ]
    assert conn.execute(
        "SELECT anonymous_id, kept_user_id, conflicting_user_id FROM core.identity_conflicts"
    ).fetchall() == [("shared-device", "alice", "bob")]
    # The anonymous page view goes to the first link (alice); bob's own event stays bob's.
    rows = conn.execute(
        "SELECT event_name, user_key FROM core.events WHERE event_type <> 'identify' ORDER BY event_ts"
    ).fetchall()
    assert rows == [
        ("Home", "carol"),
        ("Home", "alice"),
        ("Summary Created", "bob"),
        ("alias", "carol"),
    ]


def test_users_profile_first_touch_ads_consent_and_revenue(load_events):
    landing = (
        "https://app.example/?utm_source=google&utm_medium=cpc&utm_campaign=paper_search&gclid=GC1"
    )
    install = track("Application Installed", "2024-03-01T10:00:00+09:00", anonymous_id="a1")
    install["context"] = {
        "device": {
            "advertisingId": "AAAAAAAA-1111-2222-3333-444444444444",
            "adTrackingEnabled": True,
            "type": "android",
        },
        "consent": {"ad_user_data": True, "ad_personalization": True},
    }
    later = track("Summary Created", "2024-03-05T10:00:00+09:00", user_id="u1")
    later["context"] = {
        "device": {
            "advertisingId": "bbbbbbbb-1111-2222-3333-444444444444",
            "adTrackingEnabled": False,
            "type": "android",
        },
        "consent": {"ad_user_data": False, "ad_personalization": True},
        "campaign": {"source": "naver", "medium": "cpc"},
    }
    conn = load_events(
        {
            "2024-03-01": [
                page("2024-03-01T09:00:00+09:00", anonymous_id="a1", url=landing),
                install,
                track(
                    "Signed Up",
                    "2024-03-01T10:05:00+09:00",
                    user_id="u1",
                    anonymous_id="a1",
                    method=" Google ",  # one spelling per method: "google"
                    referrer_user_id="u0",
                ),
                {
                    "type": "identify",
                    "messageId": "i",
                    "userId": "u1",
                    "timestamp": "2024-03-01T10:06:00+09:00",
                    "traits": {"email": "Kim@Example.com"},
                },
            ],
            "2024-03-05": [
                later,
                track(
                    "Subscription Started",
                    "2024-03-05T11:00:00+09:00",
                    user_id="u1",
                    plan="pro_monthly",
                    revenue=9900,
                    currency="KRW",
                ),
                track(
                    "Order Completed",
                    "2024-03-05T12:00:00+09:00",
                    user_id="u1",
                    revenue=9900,
                    currency="KRW",
                ),
            ],
        }
    )
    row = conn.execute(
        """
        SELECT first_seen_date, signup_method, referrer_user_key, first_utm_source, first_utm_medium,
               first_utm_campaign, first_gclid, platform, advertising_ids, latest_advertising_id,
               ad_tracking_enabled, consent_ad_user_data, consent_ad_personalization, email_sha256,
               first_paid_ts, plan, revenue_total, last_active_date
        FROM core.users WHERE user_key = 'u1'
        """
    ).fetchone()
    assert row == (
        dt.date(2024, 3, 1),
        "google",
        "u0",
        "google",
        "cpc",
        "paper_search",
        "GC1",
        "web",  # the first activity was the web landing page
        ["aaaaaaaa-1111-2222-3333-444444444444", "bbbbbbbb-1111-2222-3333-444444444444"],
        "bbbbbbbb-1111-2222-3333-444444444444",
        False,  # latest report wins
        False,
        True,
        hashlib.sha256(b"kim@example.com").hexdigest(),
        dt.datetime(2024, 3, 5, 2, 0, tzinfo=dt.UTC),
        "pro_monthly",
        19800.0,
        dt.date(2024, 3, 5),
    )
    assert conn.execute("SELECT count(*) FROM core.users").fetchone()[0] == 1


def test_identify_alone_is_not_activity(load_events):
    conn = load_events(
        {
            "2024-03-01": [
                {
                    "type": "identify",
                    "messageId": "i",
                    "userId": "u9",
                    "timestamp": "2024-03-01T10:00:00+09:00",
                }
            ]
        }
    )
    assert conn.execute("SELECT is_active FROM core.events").fetchall() == [(False,)]
    assert conn.execute("SELECT last_active_date FROM core.users").fetchall() == [(None,)]


def test_revenue_currencies_count_payments_per_currency(load_events):
    """The core/users asset warns (check one_revenue_currency) when this has two entries."""
    from pipelines.core.build import revenue_currencies

    conn = load_events(
        {
            "2024-03-05": [
                track(
                    "Subscription Started",
                    "2024-03-05T11:00:00+09:00",
                    user_id="u1",
                    revenue=9900,
                    currency="KRW",
                ),
                track(
                    "Order Completed",
                    "2024-03-05T12:00:00+09:00",
                    user_id="u2",
                    revenue=7.99,
                    currency=" usd",
                ),
                track(
                    "Order Completed",
                    "2024-03-05T13:00:00+09:00",
                    user_id="u3",
                    revenue=4900,
                    currency="krw",
                ),
                track(
                    "Order Completed",
                    "2024-03-05T14:00:00+09:00",
                    user_id="u4",
                    revenue=0,
                    currency="EUR",
                ),
                track(
                    "Subscription Started", "2024-03-05T15:00:00+09:00", user_id="u5", revenue=1000
                ),
            ]
        }
    )
    assert revenue_currencies(conn) == {"KRW": 2, "(none)": 1, "USD": 1}


def test_user_uid_is_one_to_one_with_user_key_and_collisions_are_rehashed(
    load_events, settings, definitions
):
    day = "2024-03-02"
    conn = load_events(
        {
            day: [
                page(f"{day}T09:00:00+09:00", anonymous_id="anon-1"),
                track("Summary Created", f"{day}T09:01:00+09:00", user_id="u1"),
                track("Summary Created", f"{day}T09:02:00+09:00", user_id="u2"),
            ]
        }
    )
    salted = "SELECT DISTINCT user_key, user_uid FROM {} ORDER BY 1"
    plain = conn.execute("SELECT user_key, hash(user_key) FROM core.users ORDER BY 1").fetchall()
    assert [k for k, _ in plain] == ["anon-1", "u1", "u2"]
    assert conn.execute(salted.format("core.events")).fetchall() == plain
    assert conn.execute(salted.format("core.users")).fetchall() == plain
    assert ensure_unique_user_uids(conn) == ""

    # Two users on one id (as a 64-bit hash collision would put them): both tables are
    # rehashed with the first salt under which every user has an id of their own, and the
    # salt is kept for the next builds of core.events.
    for table in ("core.events", "core.users"):
        conn.execute(f"UPDATE {table} SET user_uid = hash('u1') WHERE user_key = 'u2'")
    assert ensure_unique_user_uids(conn) == "#1"
    expected = [
        (k, h)
        for k, h in conn.execute(
            "SELECT user_key, hash(user_key || '#1') FROM core.users ORDER BY 1"
        ).fetchall()
    ]
    assert len({h for _, h in expected}) == 3
    assert conn.execute(salted.format("core.events")).fetchall() == expected
    assert conn.execute(salted.format("core.users")).fetchall() == expected
    build_events(conn, definitions, settings.timezone)
    build_users(conn, settings)
    assert conn.execute(salted.format("core.events")).fetchall() == expected
    assert conn.execute(salted.format("core.users")).fetchall() == expected
    assert conn.execute("SELECT salt FROM ops.user_uid_salt").fetchall() == [("#1",)]


def test_core_events_refuses_local_dates_of_another_zone(load_events, settings, definitions):
    """Events loaded in Asia/Seoul carry Seoul dates: a build under UTC stops, naming the
    zone and the file count, and leaves core.events as it was."""
    conn = load_events({"2024-03-02": [track("A", "2024-03-01T23:30:00Z", user_id="u1")]})
    before = conn.execute("SELECT event_date::VARCHAR, user_key FROM core.events").fetchall()
    assert before == [("2024-03-02", "u1")]
    with pytest.raises(MixedTimezoneError, match=r"loaded while it was Asia/Seoul \(1 files\)"):
        build_events(conn, definitions, "UTC")
    assert (
        conn.execute("SELECT event_date::VARCHAR, user_key FROM core.events").fetchall() == before
    )
