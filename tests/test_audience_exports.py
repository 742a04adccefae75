"""Exporters: each destination's file matches its golden file byte for byte (the platform's
template: header names, column order, UTF-8, LF, hashing), manifests, minimum sizes,
atomic replace on rerun, membership history, the CLI and the Dagster assets.

Regenerate golden files after a deliberate template change with
``RETAINLY_UPDATE_GOLDEN=1 pytest tests/test_audience_exports.py`` and review the diff."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest

from pipelines.audiences.config import load_audiences
from pipelines.audiences.destinations import DESTINATIONS
from pipelines.audiences.export import export_audience
from pipelines.audiences.members import AudienceError, build_members, resolve_as_of
from pipelines.cli import main
from tests.test_audience_fixtures import (
    AS_OF,
    FIXTURES,
    SCORES,
    TEST_AUDIENCES_YAML,
    insert_scores,
)

audience_core_template_fixture, audience_core_fixture = FIXTURES  # session core + per-test copy

GOLDEN = Path(__file__).parent / "golden" / "audiences"
NOW = dt.datetime(2026, 3, 11, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def audience_warehouse(audience_core, settings):
    conn = audience_core
    insert_scores(conn)
    (Path.cwd() / "audiences.yaml").write_text(TEST_AUDIENCES_YAML)
    return conn


def run(conn, settings, definitions, name="seed", as_of=AS_OF):
    config = load_audiences(home=settings.home)
    membership = build_members(conn, config, name, as_of, settings, definitions, now=NOW)
    return export_audience(conn, config, membership, settings, now=NOW)


@pytest.mark.parametrize("destination", sorted(DESTINATIONS))
def test_file_matches_golden_template(audience_warehouse, settings, definitions, destination):
    result = run(audience_warehouse, settings, definitions)
    written = result.directory / DESTINATIONS[destination].file_name
    golden = GOLDEN / f"{destination}.csv"
    if os.environ.get("RETAINLY_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(written.read_bytes())
    assert written.read_bytes() == golden.read_bytes()


@pytest.mark.parametrize(
    ("destination", "header"),
    [
        ("google_ads_mobile", "Mobile Device ID"),
        ("google_ads_contact", "Email,Phone,First Name,Last Name,Country,Zip"),
        ("meta", "email,phone,madid"),
        ("tiktok", "MAID,Email_SHA256,Phone_SHA256"),
        ("kakao_moment", None),
    ],
)
def test_golden_files_have_the_platform_header_encoding_and_values(destination, header):
    data = (GOLDEN / f"{destination}.csv").read_bytes()
    text = data.decode("ascii")  # ASCII is valid UTF-8: what every platform accepts
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and b'"' not in data
    lines = text.splitlines()
    if header is None:
        body = lines  # Kakao: one ad id per line, no header
    else:
        assert lines[0] == header
        body = lines[1:]
    width = len(DESTINATIONS[destination].columns)
    assert body and all(len(line.split(",")) == width for line in body)
    values = [v for line in body for v in line.split(",") if v]
    hex64 = [v for v in values if len(v) == 64]
    assert all(int(v, 16) >= 0 and v == v.lower() for v in hex64)
    uuids = [v for v in values if len(v) == 36]
    assert all(v == v.lower() and v.count("-") == 4 for v in uuids)


def test_manifest_records_definition_counts_and_file_hashes(
    audience_warehouse, settings, definitions
):
    result = run(audience_warehouse, settings, definitions)
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["audience"] == "seed" and manifest["as_of"] == "2026-03-10"
    assert manifest["created_at"] == NOW.isoformat()
    assert manifest["model_version"] == "test-model-1"
    assert manifest["definition"]["selection"]["top_n"] == 10
    assert manifest["rows_in"] == 10  # top 10 of 11 scored users
    assert manifest["rows_removed"]["users"] == {
        "ad_tracking_disabled": 1,  # u05
        "no_ad_consent": 1,  # u06
        "no_usable_identifier": 2,  # u04 (malformed id only), u11 (nothing)
    }
    assert manifest["rows_removed"]["identifiers"] == {
        "email_sha256:duplicate_identifier": 1,  # u07 shares u02's email
        "email_sha256_google:duplicate_identifier": 1,
        "madid:duplicate_identifier": 1,  # u07 shares u02's device
        "madid:madid_malformed": 1,  # u04
        "madid:madid_zeroed": 1,  # u03
        "country:country_malformed": 1,  # u09's "Atlantis"
    }
    assert manifest["members_out"] == 6  # 10 - 4 removed users
    assert manifest["history"] == {"previous_as_of": None, "entered": 6, "left": 0}
    destinations = manifest["destinations"]
    assert {k: v["rows"] for k, v in destinations.items()} == {
        "google_ads_mobile": 4,  # u01, u02, u08 ×2
        "google_ads_contact": 5,  # members with an email or phone hash
        "meta": 6,
        "tiktok": 6,
        "kakao_moment": 4,
    }
    assert destinations["google_ads_mobile"]["app_id"] == "id1234567890"
    for name, entry in destinations.items():
        data = (result.directory / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert entry["bytes"] == len(data) and entry["status"] == "written"
        assert entry["template"].startswith("https://")
    rows = audience_warehouse.execute(
        'SELECT destination, "rows", status, sha256 FROM marts.audience_exports ORDER BY 1'
    ).fetchall()
    assert rows == sorted((k, v["rows"], "written", v["sha256"]) for k, v in destinations.items())


def test_audiences_under_the_minimum_size_are_not_written(
    audience_warehouse, settings, definitions
):
    run(audience_warehouse, settings, definitions)  # minimum sizes 1: every file written
    (Path.cwd() / "audiences.yaml").write_text(
        TEST_AUDIENCES_YAML.split("destinations:\n  google")[0]
    )
    result = run(audience_warehouse, settings, definitions)  # platform minimums: 100 / 1,000
    assert sorted(p.name for p in result.directory.iterdir()) == ["manifest.json"]  # old files gone
    manifest = json.loads(result.manifest_path.read_text())
    tiktok = manifest["destinations"]["tiktok"]
    assert tiktok["status"] == "skipped" and tiktok["file"] is None and tiktok["min_size"] == 1000
    assert (
        tiktok["reason"]
        == "below minimum size: 6 rows < 1000 required by TikTok custom audience (customer file)"
    )
    assert manifest["destinations"]["meta"]["reason"].startswith("below minimum size: 6 rows < 100")
    statuses = audience_warehouse.execute(
        "SELECT DISTINCT status FROM marts.audience_exports WHERE audience = 'seed'"
    ).fetchall()
    assert statuses == [("skipped",)]


def test_rerun_for_the_same_as_of_replaces_never_appends(audience_warehouse, settings, definitions):
    first = run(audience_warehouse, settings, definitions)
    before = {p.name: p.read_bytes() for p in first.directory.iterdir()}
    second = run(audience_warehouse, settings, definitions)
    after = {p.name: p.read_bytes() for p in second.directory.iterdir()}
    assert before == after  # same bytes, no temp files left behind
    counts = audience_warehouse.execute(
        """
        SELECT (SELECT count(*) FROM marts.audience_exports),
               (SELECT count(*) FROM marts.audience_history),
               (SELECT count(*) - count(DISTINCT (identifier_type, identifier)) FROM marts.audience_members
                WHERE identifier_type NOT IN ('country', 'first_name_sha256', 'last_name_sha256'))
        """
    ).fetchone()
    assert counts == (5, 1, 0)


def test_history_records_who_entered_and_left(audience_warehouse, settings, definitions):
    (Path.cwd() / "audiences.yaml").write_text(TEST_AUDIENCES_YAML.replace("top_n: 10", "top_n: 3"))
    run(audience_warehouse, settings, definitions)  # u01, u02, u03
    later = AS_OF + dt.timedelta(days=7)
    insert_scores(audience_warehouse, {**SCORES, "u01": 0.05, "u09": 0.99}, as_of=later)
    result = run(audience_warehouse, settings, definitions, as_of=later)  # u09, u02, u03
    changes = audience_warehouse.execute(
        "SELECT previous_as_of, user_key, change FROM marts.audience_changes WHERE as_of = ? ORDER BY 2",
        [later],
    ).fetchall()
    assert changes == [(AS_OF, "u01", "left"), (AS_OF, "u09", "entered")]
    history = audience_warehouse.execute(
        'SELECT as_of, previous_as_of, members, entered, "left" FROM marts.audience_history ORDER BY 1'
    ).fetchall()
    assert history == [(AS_OF, None, 3, 3, 0), (later, AS_OF, 3, 1, 1)]
    assert json.loads(result.manifest_path.read_text())["history"] == {
        "previous_as_of": AS_OF.isoformat(),
        "entered": 1,
        "left": 1,
    }


def test_missing_scores_fail_with_a_clear_message(audience_core, settings):
    conn = audience_core
    with pytest.raises(AudienceError, match="materialize the activity model first"):
        resolve_as_of(conn, None)
    insert_scores(conn)
    with pytest.raises(AudienceError, match="no scores as of 2026-01-01"):
        resolve_as_of(conn, dt.date(2026, 1, 1))


def test_cli_export_and_list(audience_warehouse, settings, capsys):
    audience_warehouse.close()
    assert main(["audience", "export", "seed", "--as-of", "2026-03-10"]) == 0
    out = capsys.readouterr().out
    assert "seed as of 2026-03-10: 10 selected, 6 members" in out
    assert (settings.exports_dir / "seed" / "2026-03-10" / "meta.csv").is_file()
    assert main(["audience", "list"]) == 0
    out = capsys.readouterr().out
    assert "seed (targeting): top 10 by p_active" in out and "tiktok" in out
    assert main(["audience", "export", "nope"]) == 2
    assert "no audience named 'nope'" in capsys.readouterr().err
    assert main(["audience", "export", "seed", "--as-of", "2025-01-01"]) == 2


def test_dagster_assets_build_and_export_every_audience(audience_warehouse, settings):
    import dagster as dg

    from pipelines.defs.audiences.assets import audience_exports, audience_members
    from pipelines.resources import warehouse_resource

    audience_warehouse.close()
    result = dg.materialize(
        [audience_members, audience_exports], resources={"duckdb": warehouse_resource(settings)}
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "match_key_unique": True,
        "identifiers_well_formed": True,
        "no_raw_contact_details": True,
    }
    metadata = {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }["exports/audiences"]
    assert metadata["seed/rows"].value == {
        "google_ads_mobile": 4,
        "google_ads_contact": 5,
        "meta": 6,
        "tiktok": 6,
        "kakao_moment": 4,
    }


def test_golden_rows_use_each_platforms_documented_hashing():
    """u01 (highest score) typed " Alice.Kim+news@Gmail.com ", "010-1234-5678", " Alice ", "Kim"."""

    def sha(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()

    def first_row(destination: str) -> str:
        return (GOLDEN / f"{destination}.csv").read_text().splitlines()[1]

    idfa = "aece52e7-03ee-455a-b3c4-e57283966239"
    assert first_row("google_ads_contact") == ",".join(
        [sha("alicekim@gmail.com"), sha("+821012345678"), sha("alice"), sha("kim"), "KR", ""]
    )
    assert first_row("meta") == ",".join(
        [sha("alice.kim+news@gmail.com"), sha("821012345678"), idfa]
    )
    assert first_row("tiktok") == ",".join(
        [idfa, sha("alice.kim+news@gmail.com"), sha("821012345678")]
    )
    assert first_row("google_ads_mobile") == idfa
    assert (GOLDEN / "kakao_moment.csv").read_text().splitlines()[0] == idfa
