"""The demo GA4 export derived from Segment events, the GA4 traffic mart (export vs Data
API per date) and the reconciliation of our DAU / new users with GA4's."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.acquisition.build import build_channel_map
from pipelines.ga4.demo_export import write_demo_export
from pipelines.ga4.export import ingest_export_files, list_export_files
from pipelines.ga4.marts import build_reconciliation, build_traffic_daily
from tests.conftest import build_core, page, track, write_events

D1, D2 = dt.date(2024, 3, 1), dt.date(2024, 3, 2)


def web_track(event: str, ts: str, user_id: str, anonymous_id: str, **properties) -> dict:
    message = track(event, ts, user_id=user_id, anonymous_id=anonymous_id, **properties)
    message["context"] = {"page": {"url": "https://app.example/signup"}}
    return message


def app_track(event: str, ts: str, user_id: str) -> dict:
    message = track(event, ts, user_id=user_id)
    message["context"] = {"device": {"type": "ios"}, "os": {"name": "iOS"}}
    return message


@pytest.fixture
def both_sources(settings, definitions, warehouse):
    """w1 browses on two days and signs up as u1 on the web; w2 lands from a Naver ad;
    i1 uses only the iOS app (invisible to GA4's web stream)."""
    write_events(
        settings.events_dir,
        "2024-03-01",
        [
            page("2024-03-01T10:00:00+09:00", anonymous_id="w1"),
            page(
                "2024-03-01T10:05:00+09:00",
                anonymous_id="w1",
                url="https://app.example/pricing",
                name="Pricing",
            ),
            app_track("Summary Created", "2024-03-01T11:00:00+09:00", user_id="i1"),
        ],
    )
    write_events(
        settings.events_dir,
        "2024-03-02",
        [
            page("2024-03-02T09:00:00+09:00", anonymous_id="w1"),
            web_track(
                "Signed Up",
                "2024-03-02T09:01:00+09:00",
                user_id="u1",
                anonymous_id="w1",
                method="kakao",
            ),
            page(
                "2024-03-02T20:00:00+09:00",
                anonymous_id="w2",
                url="https://app.example/?utm_source=naver&utm_medium=cpc",
            ),
            app_track("Summary Created", "2024-03-02T11:00:00+09:00", user_id="i1"),
        ],
    )
    path = write_demo_export(settings, D1, 2, seed=1, blocked_per_mille=0)
    ingest_export_files(warehouse, list_export_files(settings.ga4_export_dir), settings)
    build_core(warehouse, settings, definitions)
    build_channel_map(warehouse, definitions)
    return warehouse, path


def test_demo_export_is_what_a_ga4_web_tag_would_have_sent(both_sources):
    _, path = both_sources
    assert path.name == "demo_events_20240301_2d.parquet"
    rows = duckdb.sql(
        f"SELECT event_date, event_name, user_pseudo_id, user_id, collected_traffic_source.manual_source, "
        f"list_filter(event_params, p -> p.key = 'ga_session_number')[1].value.int_value "
        f"FROM read_parquet('{path}') ORDER BY event_timestamp, event_name"
    ).fetchall()
    assert rows == [
        ("20240301", "first_visit", "w1", None, None, 1),
        ("20240301", "page_view", "w1", None, None, 1),
        ("20240301", "session_start", "w1", None, None, 1),
        ("20240301", "page_view", "w1", None, None, 1),  # 5 minutes later: same session
        ("20240302", "page_view", "w1", None, None, 2),
        ("20240302", "session_start", "w1", None, None, 2),
        ("20240302", "sign_up", "w1", "u1", None, 2),  # GA4 learns the user id at signup
        ("20240302", "first_visit", "w2", None, "naver", 1),
        ("20240302", "page_view", "w2", None, "naver", 1),
        ("20240302", "session_start", "w2", None, "naver", 1),
    ]


def test_traffic_from_the_export_then_from_the_data_api_for_fetched_dates(both_sources, settings):
    conn, _ = both_sources
    build_traffic_daily(conn, settings)
    columns = "date, source, session_source, session_medium, session_campaign_name, channel, active_users, new_users, sessions, key_events, total_revenue"
    assert conn.execute(f"SELECT {columns} FROM marts.ga4_traffic_daily").fetchall() == [
        (D1, "ga4_export", "(direct)", "(none)", "(not set)", "Direct", 1, 1, 1, 0.0, 0.0),
        (D2, "ga4_export", "(direct)", "(none)", "(not set)", "Direct", 1, 0, 1, 0.0, 0.0),
        (D2, "ga4_export", "naver", "cpc", "(not set)", "Naver", 1, 1, 1, 0.0, 0.0),
    ]
    conn.execute(
        "INSERT INTO raw.ga4_traffic VALUES ('123', DATE '2024-03-02', 'google', 'cpc', 'spring', 7, 3, 9, 1, 9900, now())"
    )
    build_traffic_daily(conn, settings)
    assert conn.execute(f"SELECT {columns} FROM marts.ga4_traffic_daily").fetchall() == [
        (D1, "ga4_export", "(direct)", "(none)", "(not set)", "Direct", 1, 1, 1, 0.0, 0.0),
        (D2, "data_api", "google", "cpc", "spring", "Paid Search", 7, 3, 9, 1.0, 9900.0),
    ]


def test_reconciliation_compares_our_logs_with_ga4(both_sources, settings):
    conn, _ = both_sources
    build_traffic_daily(conn, settings)
    build_reconciliation(conn, settings)
    assert conn.execute("SELECT * FROM marts.ga4_reconciliation").fetchall() == [
        # date, source, our_dau, our_web_dau, ga4_active, dau_ratio, web_ratio,
        # our_new, ga4_new, new_ratio, our_web_new, web_new_ratio
        (D1, "ga4_export", 2, 1, 1, 2.0, 1.0, 2, 1, 2.0, 1, 1.0),  # u1 (web) + i1 (app) vs GA's w1
        (
            D2,
            "ga4_export",
            3,
            2,
            2,
            1.5,
            1.0,
            1,
            1,
            1.0,
            1,
            1.0,
        ),  # u1, w2 on the web + i1; w2 is new
    ]
    conn.execute(
        "INSERT INTO raw.ga4_active_users VALUES ('123', DATE '2024-03-02', 4, 6, 6, now())"
    )
    conn.execute(
        "INSERT INTO raw.ga4_traffic VALUES ('123', DATE '2024-03-02', '(direct)', '(none)', '(direct)', 4, 2, 5, 0, 0, now())"
    )
    build_reconciliation(conn, settings)
    assert conn.execute(
        "SELECT * FROM marts.ga4_reconciliation WHERE date = ?", [D2]
    ).fetchall() == [
        (D2, "data_api", 3, 2, 4, 0.75, 0.5, 1, 2, 0.5, 1, 0.5),
    ]


def test_demo_export_needs_the_segment_files(settings):
    with pytest.raises(ValueError, match="no Segment landing files for 2024-03-01..2024-03-02"):
        write_demo_export(settings, D1, 2, seed=1)
