"""The default audiences on the session's demo warehouse (generator → every asset): every
audience is exported or says why not, and nothing raw leaves the warehouse."""

from __future__ import annotations

import json

import duckdb

from pipelines.audiences.config import load_audiences
from pipelines.audiences.privacy import raw_contact_findings


def test_default_audiences_are_exported_with_manifests(demo_settings):
    config = load_audiences(home=demo_settings.home)
    with duckdb.connect(str(demo_settings.warehouse_path), read_only=True) as conn:
        exports = conn.execute(
            'SELECT audience, destination, status, "rows", reason FROM marts.audience_exports ORDER BY 1, 2'
        ).fetchall()
        members = conn.execute("SELECT count(*) FROM marts.audience_members").fetchone()[0]
    assert {(a.name, d) for a in config.audiences for d in a.destinations} == {
        (a, d) for a, d, *_ in exports
    }
    assert members > 0
    for audience, destination, status, _rows, reason in exports:
        assert status in ("written", "skipped")
        if status == "skipped":
            assert reason.startswith("below minimum size"), (audience, destination, reason)
    manifests = sorted(demo_settings.exports_dir.glob("*/*/manifest.json"))
    assert {m.parent.parent.name for m in manifests} == {a.name for a in config.audiences}
    for manifest_path in manifests:
        manifest = json.loads(manifest_path.read_text())
        assert manifest["rows_in"] >= manifest["members_out"]
        for path in manifest_path.parent.iterdir():
            assert raw_contact_findings(path.read_bytes()) == [], path
