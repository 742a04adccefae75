"""Acquisition marts on five hand-built users, and the channel mapping's SQL/Python twins."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pipelines.acquisition.build import (
    build_acquisition_daily,
    build_channel_map,
    build_referrals,
    build_signup_methods_daily,
    load_channel_macro,
)
from pipelines.config import DEFAULTS_DIR, ChannelRule, ConfigError, Definitions, load_definitions
from pipelines.warehouse import prepare
from tests.conftest import page, track

D1, D2, D3, D4 = (dt.date(2024, 3, d) for d in (1, 2, 3, 4))
LANDING = "https://app.example/?utm_source={}&utm_medium={}&utm_campaign={}"


@pytest.fixture
def acquisition(load_events, settings, definitions):
    conn = load_events(
        {
            "2024-03-01": [
                # alice: Google Ads click, signs up with Kakao the same minute, pays on 03-03.
                page(
                    "2024-03-01T10:00:00+09:00",
                    anonymous_id="a1",
                    url=LANDING.format("google", "cpc", "spring") + "&gclid=G1",
                ),
                track(
                    "Signed Up",
                    "2024-03-01T10:05:00+09:00",
                    user_id="alice",
                    anonymous_id="a1",
                    method="kakao",
                ),
                # bob: direct visit late on 03-01 (Seoul), signs up just after midnight.
                page("2024-03-01T23:30:00+09:00", anonymous_id="b1"),
            ],
            "2024-03-02": [
                track(
                    "Signed Up",
                    "2024-03-02T00:10:00+09:00",
                    user_id="bob",
                    anonymous_id="b1",
                    method="google",
                    referrer_user_id="alice",
                ),
                track("Order Completed", "2024-03-02T00:20:00+09:00", user_id="bob", revenue=5000),
                # carol: Instagram ad, never signs up.
                page(
                    "2024-03-02T12:00:00+09:00",
                    anonymous_id="c1",
                    url=LANDING.format("instagram", "paid_social", "lookalike"),
                ),
                # dave: Naver search, signs up the next day with e-mail, referred by alice.
                page(
                    "2024-03-02T13:00:00+09:00",
                    anonymous_id="d1",
                    url="https://app.example/?utm_source=naver&utm_medium=organic",
                ),
            ],
            "2024-03-03": [
                track(
                    "Subscription Started",
                    "2024-03-03T09:00:00+09:00",
                    user_id="alice",
                    revenue=9900,
                    plan="pro",
                ),
                track(
                    "Signed Up",
                    "2024-03-03T10:00:00+09:00",
                    user_id="dave",
                    anonymous_id="d1",
                    method="email",
                    referrer_user_id="alice",
                ),
                # erin: signs up without a method, referred by an id we never saw.
                track(
                    "Signed Up",
                    "2024-03-03T11:00:00+09:00",
                    user_id="erin",
                    referrer_user_id="ghost",
                ),
            ],
            "2024-03-04": [
                track(
                    "Subscription Started",
                    "2024-03-04T09:00:00+09:00",
                    user_id="bob",
                    revenue=9900,
                    plan="pro",
                ),
            ],
        }
    )
    build_channel_map(conn, definitions)
    build_acquisition_daily(conn, settings)
    build_referrals(conn)
    build_signup_methods_daily(conn)
    return conn


def test_acquisition_daily_counts_each_metric_on_its_own_date_by_first_touch_channel(acquisition):
    direct = ("Direct", "(direct)", "(none)", "(not set)")
    google = ("Paid Search", "google", "cpc", "spring")
    assert acquisition.execute("SELECT * FROM marts.acquisition_daily").fetchall() == [
        # date, channel, source, medium, campaign, new_users, signups, paid_users, revenue
        (D1, *direct, 1, 0, 0, 0.0),  # bob first seen 23:30 on 03-01
        (D1, *google, 1, 1, 0, 0.0),  # alice lands and signs up
        (D2, *direct, 0, 1, 1, 5000.0),  # bob signs up after midnight and pays (Order Completed)
        (D2, "Naver", "naver", "organic", "(not set)", 1, 0, 0, 0.0),  # dave
        (D2, "Paid Social", "instagram", "paid_social", "lookalike", 1, 0, 0, 0.0),  # carol
        (D3, *direct, 1, 1, 0, 0.0),  # erin, no UTM at all
        (D3, "Naver", "naver", "organic", "(not set)", 0, 1, 0, 0.0),  # dave signs up
        (D3, *google, 0, 0, 1, 9900.0),  # alice subscribes
        (D4, *direct, 0, 0, 0, 9900.0),  # bob's subscription: revenue, not a new payer
    ]


def test_referrals_count_referred_signups_and_payers(acquisition):
    assert acquisition.execute("SELECT * FROM marts.referrals").fetchall() == [
        # referrer, signups, paid, revenue, first, last, known
        ("alice", 2, 1, 14900.0, D2, D3, True),  # bob (paid 5000 + 9900) and dave
        ("ghost", 1, 0, 0.0, D3, D3, False),
    ]


def test_signup_method_mix_per_day(acquisition):
    assert acquisition.execute("SELECT * FROM marts.signup_methods_daily").fetchall() == [
        (D1, "kakao", 1, 1.0, 1),
        (D2, "google", 1, 1.0, 1),
        (D3, "email", 1, 0.5, 0),
        (D3, "unknown", 1, 0.5, 0),
    ]


def test_channel_map_is_the_ordered_rules_of_retainly_yaml(acquisition, definitions):
    rows = acquisition.execute("SELECT * FROM core.channel_map ORDER BY rule_order").fetchall()
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (c.channel, c.source, c.medium) for c in definitions.channels
    ]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))


def test_a_rule_duckdb_cannot_compile_is_a_config_error():
    conn = prepare(duckdb.connect())
    definitions = Definitions(
        channels=[ChannelRule(channel="X", source="(?=lookahead).*")], source_path="retainly.yaml"
    )
    with pytest.raises(
        ConfigError,
        match=r"retainly.yaml: channels\[0\] \(X\) source pattern '\(\?=lookahead\)\.\*'",
    ):
        build_channel_map(conn, definitions)


# --- SQL mapping == Definitions.channel_for ------------------------------------------------

DEFAULTS = load_definitions(path=DEFAULTS_DIR / "retainly.yaml")
TOKENS = [
    "",
    "google",
    "naver",
    "kakao",
    "kakaotalk",
    "facebook",
    "l.facebook.com",
    "instagram",
    "ig",
    "x",
    "t.co",
    "youtube",
    "search.naver.com",
    "www.google.co.kr",
    "daum",
    "bing",
    "newsletter",
    "email",
    "(direct)",
    "(none)",
    "(not set)",
    "cpc",
    "ppc",
    "cpm",
    "paid_social",
    "paid-search",
    "organic",
    "social",
    "referral",
    "affiliate",
    "display",
    "e-mail",
    "app",
    "sm",
    "Google",
    "NAVER",
    "KaKao",
    "CPC",
    "Organic",
    "유튜브",
    "카카오",
]
values = st.one_of(
    st.sampled_from(TOKENS),
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(["", "m.", "www.", "a"]),
        st.sampled_from(TOKENS),
        st.sampled_from(["", ".com", "_x", ".co.kr"]),
    ),
    st.text(alphabet="abcgklmnoprstxyz.-_()캌 ", max_size=12),
    st.none(),
)


@pytest.fixture(scope="module")
def channel_conn():
    conn = prepare(duckdb.connect())
    build_channel_map(conn, DEFAULTS)
    load_channel_macro(conn)
    yield conn
    conn.close()


@hypothesis_settings(max_examples=300, deadline=None)
@given(source=values, medium=values)
def test_sql_channel_mapping_agrees_with_python_twin(channel_conn, source, medium):
    sql = channel_conn.execute("SELECT channel_of(?, ?)", [source, medium]).fetchone()[0]
    assert sql == DEFAULTS.channel_for(source, medium)


@pytest.mark.parametrize(
    ("source", "medium", "channel"),
    [
        (None, None, "Direct"),
        ("(direct)", "(none)", "Direct"),
        ("google", "cpc", "Paid Search"),
        ("facebook", "cpc", "Paid Social"),
        ("instagram", "paid_social", "Paid Social"),
        ("instagram", "social", "Organic Social"),
        ("l.facebook.com", "referral", "Organic Social"),
        ("kakao", "cpc", "Kakao"),
        ("naver", "organic", "Naver"),
        ("search.naver.com", "referral", "Naver"),
        ("google", "organic", "Organic Search"),
        ("www.google.co.kr", "referral", "Organic Search"),
        ("newsletter_march", "email", "Email"),
        ("moloco", "cpc", "Paid Other"),
        ("partner", "affiliate", "Affiliates"),
        ("blog.example.com", "referral", "Referral"),
        ("someone", None, "Other"),
    ],
)
def test_default_channel_groups(source, medium, channel):
    assert DEFAULTS.channel_for(source, medium) == channel
