"""Shared data for the audience tests (fixtures and builders, no tests of its own): eleven
users whose identifiers exercise every hygiene rule, built through the real ingestion and
core SQL, plus hand-written scores (the activity model is not involved)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

AS_OF = dt.date(2026, 3, 10)
MODEL_VERSION = "test-model-1"

IDFA_UPPER = "AECE52E7-03EE-455A-B3C4-E57283966239"
AAID_BOB = "6f1c2b9e-8d4a-4c3b-9e2f-1a2b3c4d5e6f"
ZERO_IDFA = "00000000-0000-0000-0000-000000000000"
AAID_ERIN = "11111111-2222-4333-8444-555555555555"
AAID_FRANK = "22222222-3333-4444-8555-666666666666"
IDFA_HANK = "33333333-4444-4555-8666-777777777777"
IDFA_HANK_OLD = "44444444-5555-4666-8777-888888888888"

# Raw contact details as users typed them: they must never appear in any output.
RAW_EMAILS = [
    " Alice.Kim+news@Gmail.com ",
    "bob@example.com",
    "carol@example.com",
    "erin@example.com",
    "frank@example.com",
    "Dave.Lee@naver.com",
]
RAW_PHONES = ["010-1234-5678", "+82 10-2222-3333", "02-555-0101", "010-9999-0000"]


def identify(
    ts: str,
    user_id: str,
    traits: dict | None = None,
    device: dict | None = None,
    consent: dict | None = None,
    os_name: str | None = None,
    country: str | None = None,
) -> dict:
    context: dict = {}
    if device:
        context["device"] = device
    if consent:
        context["consent"] = consent
    if os_name:
        context["os"] = {"name": os_name}
    if country:
        context["location"] = {"country": country}
    return {
        "type": "identify",
        "userId": user_id,
        "timestamp": ts,
        "messageId": f"identify|{user_id}|{ts}",
        "traits": traits or {},
        "context": context,
    }


def active(
    ts: str,
    user_id: str,
    os_name: str,
    event: str = "Summary Created",
    campaign: dict | None = None,
) -> dict:
    context: dict = {"os": {"name": os_name}}
    if campaign:
        context["campaign"] = campaign
    return {
        "type": "track",
        "event": event,
        "userId": user_id,
        "timestamp": ts,
        "messageId": f"track|{event}|{user_id}|{ts}",
        "properties": {"plan": "pro", "revenue": 9.9} if event == "Subscription Started" else {},
        "context": context,
    }


def _device(ad_id: str, tracking: bool = True, kind: str = "ios") -> dict:
    return {"advertisingId": ad_id, "adTrackingEnabled": tracking, "type": kind}


def audience_events() -> dict[str, list[dict]]:
    day = "2026-03-09T10:00:00+09:00"
    earlier = "2026-02-01T10:00:00+09:00"
    events = [
        # u01 — upper-case IDFA (exported lower-case), gmail with dots and +tag, Korean mobile.
        identify(
            day,
            "u01",
            {
                "email": RAW_EMAILS[0],
                "phone": RAW_PHONES[0],
                "firstName": " Alice ",
                "lastName": "Kim",
            },
            _device(IDFA_UPPER),
            consent={"ad_user_data": True, "ad_personalization": True},
            os_name="iOS",
            country="kr",
        ),
        # u02 — Android, international-format phone, country as a name (Segment's form).
        identify(
            day,
            "u02",
            {"email": RAW_EMAILS[1], "phone": RAW_PHONES[1]},
            _device(AAID_BOB, kind="android"),
            os_name="Android",
            country="South Korea",
        ),
        # u03 — the zeroed IDFA (tracking limited) is dropped; email remains.
        identify(day, "u03", {"email": RAW_EMAILS[2]}, _device(ZERO_IDFA), os_name="iOS"),
        # u04 — a malformed ad id and nothing else: no usable identifier.
        identify(day, "u04", {}, _device("not-a-uuid"), os_name="iOS"),
        # u05 — ad tracking disabled: removed with all identifiers.
        identify(
            day,
            "u05",
            {"email": RAW_EMAILS[3]},
            _device(AAID_ERIN, tracking=False, kind="android"),
            os_name="Android",
        ),
        # u06 — ad_user_data consent denied: removed.
        identify(
            day,
            "u06",
            {"email": RAW_EMAILS[4]},
            _device(AAID_FRANK, kind="android"),
            consent={"ad_user_data": False, "ad_personalization": True},
            os_name="Android",
        ),
        # u07 — shares u02's device and email (kept on u02, the higher score); own landline remains.
        identify(
            day,
            "u07",
            {"email": RAW_EMAILS[1], "phone": RAW_PHONES[2]},
            _device(AAID_BOB.upper(), kind="android"),
            os_name="Android",
        ),
        # u08 — blank email and phone are never hashed; two IDFAs, the latest one is primary.
        identify(
            earlier, "u08", {"email": "", "phone": "   "}, _device(IDFA_HANK_OLD), os_name="iOS"
        ),
        identify(day, "u08", {}, _device(IDFA_HANK), os_name="iOS"),
        # u09 — web only: email (naver, dots kept), a mobile number, an unknown country.
        identify(day, "u09", {"email": RAW_EMAILS[5], "phone": RAW_PHONES[3]}, country="Atlantis"),
        # u10 — low score, outside the top share.
        identify(day, "u10", {}, _device("55555555-6666-4777-8888-999999999999"), os_name="iOS"),
        # u11 — no identifiers at all.
        identify(day, "u11", {}),
    ]
    # Activity: u03 and u10 were last active in February; u01 arrived from a Google CPC ad;
    # u02 pays. Platforms follow the OS each user reports.
    os_names = {
        "u02": "Android",
        "u05": "Android",
        "u06": "Android",
        "u07": "Android",
        "u09": "Mac OS X",
        "u11": "Mac OS X",
    }
    for i in range(1, 12):
        user = f"u{i:02d}"
        when = earlier if user in ("u03", "u10") else day
        campaign = {"source": "google", "medium": "cpc"} if user == "u01" else None
        events.append(active(when, user, os_names.get(user, "iOS"), campaign=campaign))
    events.append(active(day, "u02", "Android", event="Subscription Started"))
    return {
        "2026-02-01": [e for e in events if e["timestamp"] == earlier],
        "2026-03-09": [e for e in events if e["timestamp"] == day],
    }


SCORES = {
    "u01": 0.95,
    "u02": 0.90,
    "u03": 0.85,
    "u04": 0.80,
    "u05": 0.75,
    "u06": 0.70,
    "u07": 0.65,
    "u08": 0.60,
    "u09": 0.55,
    "u11": 0.50,
    "u10": 0.10,
}


def insert_scores(
    conn: duckdb.DuckDBPyConnection,
    scores: dict[str, float] = SCORES,
    as_of: dt.date = AS_OF,
    model_version: str = MODEL_VERSION,
) -> None:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [
        (
            as_of,
            user,
            p,
            round(p * 20, 3),
            rank,
            100.0 * (len(ranked) - rank + 1) / len(ranked),
            model_version,
        )
        for rank, (user, p) in enumerate(ranked, start=1)
    ]
    conn.execute(
        """
        CREATE OR REPLACE TABLE marts.activity_scores (as_of DATE, user_key VARCHAR, p_active DOUBLE,
            expected_active_days DOUBLE, score_rank BIGINT, score_percentile DOUBLE, model_version VARCHAR)
        """
    )
    conn.executemany("INSERT INTO marts.activity_scores VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


TEST_AUDIENCES_YAML = """
audiences:
  - name: seed
    selection: {rank_by: p_active, top_n: 10}
    destinations: [google_ads_mobile, google_ads_contact, meta, tiktok, kakao_moment]
destinations:
  google_ads_mobile: {min_size: 1, app_id: "id1234567890"}
  google_ads_contact: {min_size: 1}
  meta: {min_size: 1}
  tiktok: {min_size: 1}
  kakao_moment: {min_size: 1}
"""


@pytest.fixture(scope="session", name="audience_core_template")
def audience_core_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The eleven users ingested and built into core once per session; tests copy the file."""
    from pipelines.config import load_definitions
    from pipelines.settings import load_settings
    from pipelines.warehouse import connect
    from tests.conftest import build_core, write_events

    home = tmp_path_factory.mktemp("audience_core") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETAINLY_HOME", str(home))
        mp.setenv("RETAINLY_TIMEZONE", "Asia/Seoul")
        mp.setenv("RETAINLY_START_DATE", "2020-01-01")
        mp.delenv("RETAINLY_AS_OF", raising=False)
        settings = load_settings()
        for day, events in audience_events().items():
            write_events(settings.events_dir, day, events)
        conn = connect(settings.warehouse_path)
        build_core(conn, settings, load_definitions(home=settings.home))
        conn.close()
    return settings.warehouse_path


@pytest.fixture(name="audience_core")
def audience_core_fixture(audience_core_template: Path, settings) -> duckdb.DuckDBPyConnection:
    """A fresh copy of the session's core warehouse at this test's ``RETAINLY_HOME`` (no scores)."""
    from pipelines.warehouse import connect

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(audience_core_template, settings.warehouse_path)
    conn = connect(settings.warehouse_path)
    yield conn
    conn.close()


# Test modules import this tuple: pytest then finds both fixtures in their namespace.
FIXTURES = (audience_core_template_fixture, audience_core_fixture)
