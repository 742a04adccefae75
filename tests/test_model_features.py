"""Point-in-time features and labels of the activity model, on hand-built users loaded
through the real ingestion (time zone Asia/Seoul: local date = KST date)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from models.activity.errors import AsOfError, ModelError
from models.activity.features import (
    feature_frame,
    feature_names,
    prepare_inputs,
    resolve_as_of,
    select_population,
)
from models.activity.labels import label_frame
from tests.conftest import page, track

AS_OF = dt.date(2026, 3, 10)
TOP_EVENTS = ["Summary Created", "Paper Uploaded", "Paper Viewed"]
UTM_URL = "https://app.example/?utm_source=google&utm_medium=cpc"


def base_events() -> dict[str, list[dict]]:
    android = {"os": {"name": "Android"}}
    return {
        "2026-03-01": [
            # alice: first seen from a Google CPC ad on the web, signs up with Kakao
            page("2026-03-01T10:00:00+09:00", user_id="alice", url=UTM_URL),
            track("Signed Up", "2026-03-01T10:05:00+09:00", user_id="alice", method="kakao"),
        ],
        "2026-03-05": [
            track("Summary Created", "2026-03-05T09:00:00+09:00", user_id="alice"),
            track("Summary Created", "2026-03-05T09:30:00+09:00", user_id="alice"),
        ],
        "2026-03-08": [
            track("Paper Uploaded", "2026-03-08T12:00:00+09:00", user_id="alice"),
            track(
                "Subscription Started",
                "2026-03-08T12:10:00+09:00",
                user_id="alice",
                plan="pro",
                revenue=9900,
            ),
        ],
        "2026-03-09": [
            # bob: direct (no UTM) on Android, referred by alice, signs up by e-mail
            {
                **track(
                    "Signed Up",
                    "2026-03-09T20:00:00+09:00",
                    user_id="bob",
                    method="email",
                    referrer_user_id="alice",
                ),
                "context": android,
            },
            {
                **track("Paper Viewed", "2026-03-09T20:05:00+09:00", user_id="bob"),
                "context": android,
            },
        ],
        "2026-03-10": [
            # 23:30 KST is 14:30 UTC: still local 2026-03-10, inside as_of
            track("Summary Created", "2026-03-10T23:30:00+09:00", user_id="alice"),
        ],
    }


def future_events() -> dict[str, list[dict]]:
    """Events after the end of local 2026-03-10: none may change a feature at AS_OF."""
    return {
        "2026-03-11": [
            # 00:00:01 KST on the 11th is still the 10th in UTC
            track("Summary Created", "2026-03-11T00:00:01+09:00", user_id="alice"),
            page(
                "2026-03-11T08:00:00+09:00",
                user_id="bob",
                url="https://app.example/?utm_source=naver&utm_medium=organic",
            ),
            track("Summary Created", "2026-03-11T08:00:00+09:00", user_id="bob"),
            track("Signed Up", "2026-03-11T09:00:00+09:00", user_id="carol", method="google"),
        ],
        "2026-03-12": [
            track(
                "Subscription Started",
                "2026-03-12T10:00:00+09:00",
                user_id="alice",
                plan="team",
                revenue=19900,
            ),
            track(
                "Subscription Started",
                "2026-03-12T10:00:00+09:00",
                user_id="bob",
                plan="pro",
                revenue=9900,
            ),
            track("Paper Uploaded", "2026-03-12T11:00:00+09:00", user_id="bob"),
        ],
        "2026-04-20": [track("Paper Viewed", "2026-04-20T10:00:00+09:00", user_id="alice")],
    }


def features_at(conn, definitions, as_of=AS_OF, data_end=None) -> pd.DataFrame:
    data_end = data_end or resolve_as_of(conn, None)
    prepare_inputs(conn, data_end, definitions.channel_for)
    select_population(conn, [as_of])
    return feature_frame(conn, TOP_EVENTS).set_index("user_key")


def test_features_of_hand_built_users(load_events, definitions):
    conn = load_events(base_events())
    features = features_at(conn, definitions)

    assert list(features.columns) == ["as_of", *feature_names(TOP_EVENTS)]
    assert list(features.index) == ["alice", "bob"]
    alice = features.loc["alice"].to_dict()
    assert alice == {
        "as_of": AS_OF,
        "days_since_last_active": 0,
        "active_days_1d": 1,  # the 23:30 KST event
        "active_days_7d": 3,  # 03-05, 03-08, 03-10
        "active_days_14d": 4,  # 02-25 … 03-10
        "active_days_28d": 4,  # + 03-01
        "active_days_90d": 4,
        "count_events_1d": 1,
        "count_events_7d": 5,  # 2 summaries, upload + subscription, 1 summary
        "count_events_28d": 7,  # + page and Signed Up on 03-01
        "count_events_90d": 7,
        "active_days_prev_7d": 1,  # 03-01 is in 02-25 … 03-03
        "trend_active_days_7d": 2,
        "active_days_prev_28d": 0,  # nothing in 01-13 … 02-10
        "trend_active_days_28d": 4,
        "active_weeks_28d": 2,  # 03-04 … 03-10 and 02-25 … 03-03
        "last_gap_days": 2,  # 03-08 → 03-10
        "tenure_days": 9,
        "active_days_lifetime": 4,
        "share_days_active": 0.4,  # 4 of 10 days
        "mean_days_between_active": 3.0,  # 9 days from first to last active, 3 gaps
        "recency_over_mean_gap": 0.0,
        "events_per_active_day_28d": 1.75,  # 7 events on 4 days
        "events_per_active_day_lifetime": 1.75,
        "share_days_active_span": 0.4,  # 4 of the 10 days 03-01 … 03-10
        "days_since_signup": 9,
        "days_since_first_paid": 2,
        "is_paid": 1,
        "is_referred": 0,
        "count_28d_summary_created": 3.0,
        "count_28d_paper_uploaded": 1.0,
        "count_28d_paper_viewed": 0.0,
        "count_7d_summary_created": 3.0,  # 03-04 … 03-10: two on 03-05, one on 03-10
        "count_7d_paper_uploaded": 1.0,
        "count_7d_paper_viewed": 0.0,
        "signup_method": "kakao",
        "channel": "Paid Search",  # google / cpc
        "platform": "web",
        "plan": "pro",
    }
    bob = features.loc["bob"]
    assert (
        bob.days_since_last_active,
        bob.active_days_1d,
        bob.active_days_7d,
        bob.tenure_days,
    ) == (1, 0, 1, 1)
    assert (bob.signup_method, bob.channel, bob.platform, bob.plan) == (
        "email",
        "Direct",
        "android",
        "none",
    )
    assert (bob.is_referred, bob.is_paid, bob.count_28d_paper_viewed) == (1, 0, 1.0)
    assert pd.isna(bob.days_since_first_paid)
    assert pd.isna(bob.last_gap_days)  # one active day: no gap yet
    assert (bob.share_days_active_span, bob.count_7d_paper_viewed) == (1.0, 1.0)


def test_events_after_as_of_change_no_feature(load_events, definitions):
    conn = load_events(base_events())
    before = features_at(conn, definitions)

    conn = load_events(future_events())
    assert resolve_as_of(conn, None) == dt.date(2026, 4, 20)
    after = features_at(conn, definitions)  # inputs now run to 2026-04-20

    pd.testing.assert_frame_equal(after, before)
    # the later data did change features at a later as_of (the test is not vacuous)
    later = features_at(conn, definitions, as_of=dt.date(2026, 3, 12))
    assert later.loc["alice", "plan"] == "team" and later.loc["bob", "channel"] == "Direct"
    assert "carol" in later.index


def test_labels_count_active_days_in_the_horizon(load_events, definitions):
    events = base_events()
    for day, more in future_events().items():
        events.setdefault(day, []).extend(more)
    conn = load_events(events)
    prepare_inputs(conn, dt.date(2026, 4, 20), definitions.channel_for)
    select_population(conn, [AS_OF])

    labels = label_frame(conn, horizon_days=28).set_index("user_key")
    # alice: 03-11 and 03-12 (04-20 is past 03-10 + 28 = 04-07); bob: 03-11 and 03-12
    assert labels["label_active_days"].to_dict() == {"alice": 2, "bob": 2}
    assert labels["label_is_active"].to_dict() == {"alice": 1, "bob": 1}
    short = label_frame(conn, horizon_days=1).set_index("user_key")
    assert short["label_active_days"].to_dict() == {"alice": 1, "bob": 1}


def test_as_of_outside_the_data_is_a_clear_error(load_events):
    conn = load_events(base_events())
    with pytest.raises(AsOfError, match="after the last loaded date 2026-03-10"):
        resolve_as_of(conn, dt.date(2026, 3, 11))
    with pytest.raises(AsOfError, match="before the first loaded date"):
        resolve_as_of(conn, dt.date(2026, 2, 1))


def test_top_events_must_name_distinct_features():
    with pytest.raises(ModelError, match="same feature"):
        feature_names(["Paper Viewed", "paper viewed"])
