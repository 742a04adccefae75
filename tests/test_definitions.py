"""The code location as the UI loads it: valid, and one DuckDB writer at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            ["dagster", "definitions", "validate", "-w", "workspace.yaml"],
            "All code locations passed validation",
        ),
        (["dg", "check", "defs"], "All definitions loaded successfully"),
    ],
    ids=["dagster", "dg"],
)
def test_the_code_location_validates(command: list[str], expected: str):
    """Both CLIs (``dagster dev -w workspace.yaml`` and ``dg dev``) load this location."""
    executable = Path(sys.executable).parent / command[0]
    env = {**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)}
    proc = subprocess.run(
        [str(executable), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert expected in proc.stderr + proc.stdout


def test_every_warehouse_asset_runs_in_the_single_slot_duckdb_pool():
    from pipelines.definitions import defs

    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert config["concurrency"]["pools"]["default_limit"] == 1
    writers = [a for a in defs.assets if "duckdb" in a.required_resource_keys]
    assert writers, "no asset uses the warehouse"
    outside = [a.node_def.name for a in writers if a.node_def.pool != "duckdb"]
    assert outside == [], f"assets writing DuckDB outside the pool: {outside}"
