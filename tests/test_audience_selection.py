"""Selection: top share / top N / minimum score, segment filters evaluated as of the export
date, exclusion audiences — and audiences.yaml validation with clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.audiences.config import load_audiences
from pipelines.audiences.members import build_members
from pipelines.config import ConfigError
from tests.test_audience_fixtures import (
    AS_OF,
    FIXTURES,
    insert_scores,
)

audience_core_template_fixture, audience_core_fixture = FIXTURES  # session core + per-test copy

ALL = "[google_ads_mobile, google_ads_contact, meta, tiktok, kakao_moment]"


@pytest.fixture
def warehouse_with_scores(audience_core):
    conn = audience_core
    insert_scores(conn)
    return conn


def selected(
    conn, settings, definitions, audience_yaml: str, name: str = "a", as_of: dt.date = AS_OF
):
    (Path.cwd() / "audiences.yaml").write_text(f"audiences:\n{audience_yaml}")
    config = load_audiences(home=settings.home)
    build_members(conn, config, name, as_of, settings, definitions)
    rows = conn.execute(
        "SELECT user_key, is_excluded FROM audience_selection WHERE audience = ? ORDER BY score DESC, user_key",
        [name],
    ).fetchall()
    return [u for u, excluded in rows if not excluded], [u for u, excluded in rows if excluded]


@pytest.mark.parametrize(
    ("selection", "filters", "expected"),
    [
        # top 3 by p_active
        ("{top_n: 3}", "{}", ["u01", "u02", "u03"]),
        # floor(0.5 × 11 scored users) = 5
        ("{top_share: 0.5}", "{}", ["u01", "u02", "u03", "u04", "u05"]),
        # everyone at or above 0.7
        ("{min_score: 0.7}", "{}", ["u01", "u02", "u03", "u04", "u05", "u06"]),
        # ranked by expected active days (20 × p here): same order
        ("{rank_by: expected_active_days, min_score: 17}", "{}", ["u01", "u02", "u03"]),
        # platform from the OS the user reports
        ("{min_score: 0}", "{platforms: [android]}", ["u02", "u05", "u06", "u07"]),
        ("{min_score: 0}", "{platforms: [web]}", ["u09", "u11"]),
        # u01 arrived from google / cpc → Paid Search in retainly.yaml's channel rules
        ("{min_score: 0}", "{channels: [Paid Search]}", ["u01"]),
        # u02 started a subscription on 2026-03-09
        ("{min_score: 0}", "{paid: true}", ["u02"]),
        ("{top_n: 2}", "{paid: false}", ["u01", "u03"]),
        # u03 and u10 were last active on 2026-02-01
        (
            "{min_score: 0}",
            "{active_within_days: 7}",
            ["u01", "u02", "u04", "u05", "u06", "u07", "u08", "u09", "u11"],
        ),
        # the share is taken of the users who pass the filters: floor(0.5 × 4) = 2
        ("{top_share: 0.5}", "{platforms: [android]}", ["u02", "u05"]),
    ],
)
def test_selection_and_filters(
    warehouse_with_scores, settings, definitions, selection, filters, expected
):
    audience = (
        f"  - {{name: a, selection: {selection}, filters: {filters}, destinations: [meta]}}\n"
    )
    kept, excluded = selected(warehouse_with_scores, settings, definitions, audience)
    assert kept == expected and excluded == []


def test_recency_filter_is_point_in_time(warehouse_with_scores, settings, definitions):
    """As of 2026-02-05 only u03 and u10 had been active (2026-02-01); u08's identify that day is not activity."""
    early = dt.date(2026, 2, 5)
    insert_scores(warehouse_with_scores, as_of=early)
    audience = "  - {name: a, selection: {min_score: 0}, filters: {active_within_days: 7}, destinations: [meta]}\n"
    kept, _ = selected(warehouse_with_scores, settings, definitions, audience, as_of=early)
    assert kept == ["u03", "u10"]


def test_exclusion_audience_members_are_removed(warehouse_with_scores, settings, definitions):
    audiences = (
        "  - {name: seed, selection: {top_n: 2}, destinations: [meta]}\n"
        "  - {name: a, selection: {min_score: 0.6}, destinations: [meta], exclude_audience: seed}\n"
    )
    kept, excluded = selected(warehouse_with_scores, settings, definitions, audiences)
    assert excluded == ["u01", "u02"]
    assert kept == ["u03", "u04", "u05", "u06", "u07", "u08"]
    users_removed = warehouse_with_scores.execute(
        "SELECT users_removed FROM marts.audience_history WHERE audience = 'a'"
    ).fetchone()[0]
    assert '"in_excluded_audience": 2' in users_removed


def write(text: str) -> Path:
    path = Path.cwd() / "audiences.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "audiences:\n  - {name: a, selection: {top_n: 5}, destinations: [myspace]}\n",
            "unknown destination(s) ['myspace']",
        ),
        (
            f"audiences:\n  - {{name: a, selection: {{}}, destinations: {ALL}}}\n",
            "selection is empty: set top_share, top_n or min_score",
        ),
        (
            "audiences:\n  - {name: a, destinations: [meta]}\n",
            "audiences.0.selection: Field required",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_share: 1.5}, destinations: [meta]}\n",
            "top_share: Input should be less than or equal to 1",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_share: 0}, destinations: [meta]}\n",
            "top_share: Input should be greater than 0",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 0}, destinations: [meta]}\n",
            "top_n: Input should be greater than or equal to 1",
        ),
        (
            "audiences:\n  - {name: a, selection: {min_score: 1.2}, destinations: [meta]}\n",
            "min_score 1.2 is above 1, the largest p_active",
        ),
        (
            "audiences:\n  - {name: a, selection: {min_score: -1}, destinations: [meta]}\n",
            "min_score: Input should be greater than or equal to 0",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 5, top_share: 0.1}, destinations: [meta]}\n",
            "set top_share or top_n, not both",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 5}, destinations: []}\n",
            "destinations: List should have at least 1 item",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 5}, filters: {active_within_days: 0}, destinations: [meta]}\n",
            "active_within_days: Input should be greater than or equal to 1",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 5}, filters: {platforms: [blackberry]}, destinations: [meta]}\n",
            "platforms.0: Input should be 'ios', 'android', 'web' or 'unknown'",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 5}, destinations: [meta], exclude_audience: b}\n",
            "exclude_audience 'b' is not defined",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 5}, destinations: [meta], exclude_audience: b}\n"
            "  - {name: b, selection: {top_n: 5}, destinations: [meta], exclude_audience: a}\n",
            "circular exclude_audience: a -> b -> a",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 5}, destinations: [meta]}\n"
            "  - {name: a, selection: {top_n: 5}, destinations: [meta]}\n",
            "audience names must be unique, repeated: ['a']",
        ),
        (
            "audiences:\n  - {name: High Value, selection: {top_n: 5}, destinations: [meta]}\n",
            "audiences.0.name: String should match pattern",
        ),
        (
            "audiences:\n  - {name: a, selection: {top_n: 5}, destinations: [meta], colour: red}\n",
            "audiences.0.colour: Extra inputs are not permitted",
        ),
        (
            "destinations: {snapchat: {min_size: 10}}\n",
            "settings for unknown destination(s) ['snapchat']",
        ),
        (
            "destinations: {meta: {min_size: 0}}\n",
            "destinations.meta.min_size: Input should be greater than or equal to 1",
        ),
    ],
)
def test_invalid_definitions_fail_with_clear_errors(settings, yaml_text, message):
    path = write(yaml_text)
    with pytest.raises(ConfigError) as error:
        load_audiences(home=settings.home)
    assert str(error.value).startswith(f"{path}: invalid audiences")
    assert message in str(error.value)


def test_channel_filters_must_name_known_channels(settings, definitions):
    write(
        "audiences:\n  - {name: a, selection: {top_n: 5}, filters: {channels: [Carrier Pigeon]}, destinations: [meta]}\n"
    )
    with pytest.raises(ConfigError, match=r"unknown channel\(s\) \['Carrier Pigeon'\]"):
        load_audiences(home=settings.home).check_channels(definitions)


def test_packaged_defaults_are_valid(tmp_path, monkeypatch, definitions):
    monkeypatch.chdir(tmp_path)
    config = load_audiences(home=tmp_path / "nowhere")
    config.check_channels(definitions)
    high_value = config.get("high_value")
    assert high_value.selection.top_share == 0.2 and high_value.filters.active_within_days == 28
    assert set(high_value.destinations) == {
        "google_ads_mobile",
        "google_ads_contact",
        "meta",
        "tiktok",
        "kakao_moment",
    }
    assert any(a.purpose == "exclusion" for a in config.audiences)
    assert any(a.exclude_audience for a in config.audiences)
