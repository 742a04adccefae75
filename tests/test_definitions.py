"""The code location as the UI loads it: valid, and one DuckDB writer at a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_dagster_definitions_validate_passes():
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "All code locations passed validation" in proc.stderr + proc.stdout


def test_every_warehouse_asset_runs_in_the_single_slot_duckdb_pool():
    from pipelines.definitions import defs

    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert config["concurrency"]["pools"]["default_limit"] == 1
    writers = [a for a in defs.assets if "duckdb" in a.required_resource_keys]
    assert writers, "no asset uses the warehouse"
    outside = [a.node_def.name for a in writers if a.node_def.pool != "duckdb"]
    assert outside == [], f"assets writing DuckDB outside the pool: {outside}"
