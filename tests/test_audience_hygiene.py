"""Identifier hygiene, one test per rule, on eleven hand-built users (tests/test_audience_fixtures.py)
through the real ingestion, core and audience SQL. Expected hashes are computed here from
the platforms' documented normalization, independently of the SQL."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import pytest

from pipelines.audiences.config import load_audiences
from pipelines.audiences.export import export_audience
from pipelines.audiences.members import build_members
from pipelines.audiences.privacy import raw_contact_findings
from tests.test_audience_fixtures import (
    AAID_BOB,
    AAID_ERIN,
    AAID_FRANK,
    AS_OF,
    FIXTURES,
    IDFA_HANK,
    IDFA_HANK_OLD,
    IDFA_UPPER,
    RAW_EMAILS,
    RAW_PHONES,
    TEST_AUDIENCES_YAML,
    ZERO_IDFA,
    insert_scores,
)

audience_core_template_fixture, audience_core_fixture = FIXTURES  # session core + per-test copy


def sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def read_rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]


@pytest.fixture(scope="module")
def exported(audience_core_template, tmp_path_factory):
    """The 'seed' audience (top 10, every destination, minimum sizes 1) built and exported
    once for the module (the tests only read it), with every log record kept."""
    from pipelines.config import load_definitions
    from pipelines.settings import load_settings
    from pipelines.warehouse import connect

    root = tmp_path_factory.mktemp("hygiene")
    handler = _Records()
    logging.getLogger().addHandler(handler)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETAINLY_HOME", str(root / "home"))
        mp.setenv("RETAINLY_TIMEZONE", "Asia/Seoul")
        mp.delenv("RETAINLY_AS_OF", raising=False)
        mp.chdir(root)
        settings = load_settings()
        settings.home.mkdir(parents=True)
        shutil.copyfile(audience_core_template, settings.warehouse_path)
        (root / "audiences.yaml").write_text(TEST_AUDIENCES_YAML)
        conn = connect(settings.warehouse_path)
        insert_scores(conn)
        config = load_audiences(home=settings.home)
        definitions = load_definitions(home=settings.home)
        previous = logging.getLogger().level
        logging.getLogger().setLevel(logging.DEBUG)
        try:
            membership = build_members(conn, config, "seed", AS_OF, settings, definitions)
            result = export_audience(conn, config, membership, settings)
        finally:
            logging.getLogger().setLevel(previous)
            logging.getLogger().removeHandler(handler)
    files = {d.destination: result.directory / d.file for d in result.destinations}
    yield conn, membership, result, files, "\n".join(handler.lines)
    conn.close()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def members(conn, identifier_type: str | None = None) -> set[tuple[str, str]]:
    sql = "SELECT user_key, identifier FROM marts.audience_members WHERE audience = 'seed'"
    params = []
    if identifier_type:
        sql += " AND identifier_type = ?"
        params.append(identifier_type)
    return set(conn.execute(sql, params).fetchall())


def test_mobile_ad_ids_are_lower_cased_and_never_hashed(exported):
    conn, _, _, files, _ = exported
    ids = files["google_ads_mobile"].read_text().splitlines()[1:]
    assert IDFA_UPPER.lower() in ids
    assert all(i == i.lower() for i in ids)
    assert IDFA_UPPER not in files["meta"].read_text()
    assert sha(IDFA_UPPER.lower()) not in "".join(p.read_text() for p in files.values())
    assert ("u01", IDFA_UPPER.lower()) in members(conn, "madid")


def test_only_valid_uuids_are_kept(exported):
    conn, membership, _, files, _ = exported
    assert membership.identifiers_removed["madid:madid_malformed"] == 1
    assert "not-a-uuid" not in "".join(p.read_text() for p in files.values())
    # u04 had nothing but the malformed id
    assert membership.users_removed["no_usable_identifier"] == 2  # u04, u11
    assert not {u for u, _ in members(conn)} & {"u04", "u11"}


def test_zeroed_idfa_is_removed(exported):
    conn, membership, _, files, _ = exported
    assert membership.identifiers_removed["madid:madid_zeroed"] == 1
    assert all(ZERO_IDFA not in p.read_text() for p in files.values())
    # u03 stays a member through the email hash
    assert ("u03", sha("carol@example.com")) in members(conn, "email_sha256")


def test_users_with_ad_tracking_disabled_are_removed(exported):
    conn, membership, _, files, _ = exported
    assert membership.users_removed["ad_tracking_disabled"] == 1
    assert "u05" not in {u for u, _ in members(conn)}
    text = "".join(p.read_text() for p in files.values())
    assert AAID_ERIN not in text and sha("erin@example.com") not in text


def test_users_without_ad_consent_are_removed(exported):
    conn, membership, _, files, _ = exported
    assert membership.users_removed["no_ad_consent"] == 1
    assert "u06" not in {u for u, _ in members(conn)}
    text = "".join(p.read_text() for p in files.values())
    assert AAID_FRANK not in text and sha("frank@example.com") not in text


def test_explicit_consent_mode_keeps_only_users_who_granted_it(
    audience_core, settings, definitions
):
    conn = audience_core
    insert_scores(conn)
    (Path.cwd() / "audiences.yaml").write_text(
        TEST_AUDIENCES_YAML + "consent: {require_explicit: true}\n"
    )
    config = load_audiences(home=settings.home)
    membership = build_members(conn, config, "seed", AS_OF, settings, definitions)
    assert {u for u, _ in members(conn)} == {"u01"}
    # u05 is removed for tracking first; every other unreported consent counts as missing
    assert membership.users_removed == {"ad_tracking_disabled": 1, "no_ad_consent": 8}


def test_duplicate_identifiers_are_removed(exported):
    conn, membership, _, files, _ = exported
    ids = files["google_ads_mobile"].read_text().splitlines()[1:]
    assert ids.count(AAID_BOB) == 1 and len(ids) == len(set(ids))
    # u07 shares u02's device and email: both stay with u02, the higher score
    assert ("u02", AAID_BOB) in members(conn, "madid")
    assert ("u07", AAID_BOB) not in members(conn, "madid")
    assert ("u07", sha("bob@example.com")) not in members(conn, "email_sha256")
    assert membership.identifiers_removed["madid:duplicate_identifier"] == 1
    assert membership.identifiers_removed["email_sha256:duplicate_identifier"] == 1
    emails = [r["email"] for r in read_rows(files["meta"]) if r["email"]]
    assert len(emails) == len(set(emails))
    # u07 is still exported through the phone only they have
    assert ("u07", sha("+8225550101")) in members(conn, "phone_sha256")


def test_emails_are_trimmed_and_lower_cased(exported):
    _, _, _, files, _ = exported
    meta_emails = {r["email"] for r in read_rows(files["meta"])}
    tiktok_emails = {r["Email_SHA256"] for r in read_rows(files["tiktok"])}
    expected = sha("alice.kim+news@gmail.com")  # " Alice.Kim+news@Gmail.com "
    assert expected in meta_emails and expected in tiktok_emails
    assert sha("dave.lee@naver.com") in meta_emails


def test_google_gets_gmail_dots_and_plus_suffix_removed(exported):
    _, _, _, files, _ = exported
    google = {r["Email"] for r in read_rows(files["google_ads_contact"])}
    assert sha("alicekim@gmail.com") in google  # Google's documented gmail rule
    assert sha("alice.kim+news@gmail.com") not in google
    assert sha("dave.lee@naver.com") in google  # other domains keep their dots


def test_phones_are_e164_before_hashing(exported):
    _, _, _, files, _ = exported
    google = {r["Phone"] for r in read_rows(files["google_ads_contact"])}
    meta = {r["phone"] for r in read_rows(files["meta"])}
    tiktok = {r["Phone_SHA256"] for r in read_rows(files["tiktok"])}
    # 010-1234-5678 → +821012345678 (Google: with '+'; Meta and TikTok: digits only)
    assert sha("+821012345678") in google
    assert sha("821012345678") in meta and sha("821012345678") in tiktok
    assert sha("+821022223333") in google  # "+82 10-2222-3333"
    assert sha("+8225550101") in google  # "02-555-0101"


@pytest.fixture(scope="module")
def macros():
    """An in-memory DuckDB with sql/core/macros.sql loaded."""
    import duckdb

    from pipelines.warehouse import prepare

    with duckdb.connect() as conn:
        yield prepare(conn, create_schema=False)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("010-1234-5678", "+821012345678"),
        ("01012345678", "+821012345678"),
        ("+82 10-1234-5678", "+821012345678"),
        ("+82 010-1234-5678", "+821012345678"),
        ("0082-10-1234-5678", "+821012345678"),
        ("82 10 1234 5678", "+821012345678"),
        ("02-555-0101", "+8225550101"),
        ("+1 (650) 253-0000", "+16502530000"),
        ("12345", None),
        ("", None),
        ("   ", None),
        (None, None),
        ("+1234567890123456", None),
    ],
)
def test_phone_normalization(macros, raw, e164):
    assert macros.execute("SELECT normalize_phone(?, '82')", [raw]).fetchone()[0] == e164


@pytest.mark.parametrize(
    ("raw", "generic", "google"),
    [
        (" Alice.Kim+news@Gmail.com ", "alice.kim+news@gmail.com", "alicekim@gmail.com"),
        ("j.doe@googlemail.com", "j.doe@googlemail.com", "jdoe@googlemail.com"),
        ("user.name+NYC@Example.com", "user.name+nyc@example.com", "user.name+nyc@example.com"),
        ("", None, None),
        ("  ", None, None),
        ("not-an-email", None, None),
    ],
)
def test_email_normalization(macros, raw, generic, google):
    row = macros.execute(
        "SELECT normalize_email(?), normalize_email_google(?)", [raw, raw]
    ).fetchone()
    assert row == (generic, google)


def test_empty_values_are_never_hashed(exported):
    conn, _, result, files, _ = exported
    empty = sha("")
    for path in [*files.values(), result.manifest_path]:
        assert empty not in path.read_text()
    assert (
        conn.execute(
            "SELECT count(*) FROM marts.audience_members WHERE identifier = ?", [empty]
        ).fetchone()[0]
        == 0
    )
    # u08 typed a blank email and phone: no hash at all, only the two ad ids
    assert {i for u, i in members(conn) if u == "u08"} == {IDFA_HANK, IDFA_HANK_OLD}
    assert conn.execute(
        "SELECT email_sha256, phone_sha256 FROM core.users WHERE user_key = 'u08'"
    ).fetchone() == (None, None)
    assert conn.execute("SELECT sha256_or_null(normalize_email('   '))").fetchone()[0] is None


def test_no_raw_email_or_phone_in_any_export_manifest_table_or_log(exported):
    conn, _, result, _, log_text = exported
    outputs = {p.name: p.read_bytes() for p in result.directory.iterdir()}
    tables = [
        "marts.audience_members",
        "marts.audience_history",
        "marts.audience_changes",
        "marts.audience_exports",
    ]
    for table in tables:
        outputs[table] = str(conn.execute(f"SELECT * FROM {table}").fetchall()).encode()
    assert "audience seed as of 2026-03-10" in log_text  # the build and export did log
    outputs["log"] = log_text.encode()
    assert set(outputs) >= {
        "manifest.json",
        "google_ads_mobile.csv",
        "google_ads_contact.csv",
        "meta.csv",
        "tiktok.csv",
        "kakao_moment.csv",
    }
    raw_values = [v.strip() for v in RAW_EMAILS + RAW_PHONES]
    normalized = [
        "alice.kim+news@gmail.com",
        "alicekim@gmail.com",
        "+821012345678",
        "821012345678",
        "01012345678",
        "dave.lee@naver.com",
    ]
    for name, data in outputs.items():
        text = data.decode("utf-8")
        for value in raw_values + normalized:
            assert value.lower() not in text.lower(), f"{value!r} found in {name}"
        assert raw_contact_findings(data) == [], name
    assert "bob@example.com" not in log_text


def test_the_scanner_finds_what_it_looks_for():
    assert raw_contact_findings(b"email\nbob@example.com\n") == ["email address"]
    assert raw_contact_findings(b"Phone\n010-1234-5678\n") == ["phone number"]
    assert raw_contact_findings(b"Phone\n+821012345678\n") == ["phone number"]
    assert raw_contact_findings(f"Email\n{sha('a@b.co')}\n".encode()) == []
    assert raw_contact_findings(b"Mobile Device ID\n33333333-4444-4555-8666-777777777777\n") == []
    assert raw_contact_findings(b"phone\n821012345678\n") == ["phone number"]
    assert raw_contact_findings(b'{"bytes": 8234567, "rows": 1000000, "as_of": "2026-03-10"}') == []


def test_countries_are_iso_alpha_2(exported):
    conn, membership, _, files, _ = exported
    # "kr" → KR, "South Korea" → KR (Segment sends names), "Atlantis" is dropped
    assert members(conn, "country") == {("u01", "KR"), ("u02", "KR")}
    assert membership.identifiers_removed["country:country_malformed"] == 1
    countries = {r["Country"] for r in read_rows(files["google_ads_contact"])}
    assert countries == {"KR", ""}
