"""Activity-model benchmark: training and scoring time and peak memory at scale.

Builds a synthetic ``core.events`` (``models.activity.synthetic``: latent engagement
drives activity) for ``--users`` users over ``--days`` days in a fresh DuckDB file, then
times, each step in a process of its own (as Dagster's default executor runs each asset
step, so each peak RSS is that step's alone):

- the two tables training and scoring read besides ``core.events`` (``core.users``,
  ``core.user_activity_events``), each built by its own asset in the pipeline;
- training: ``train_activity_model`` with the default definitions (4 training snapshots
  + 1 validation snapshot, features in DuckDB for every user, LightGBM on a
  deterministic sample of at most ``model.max_training_rows`` rows, both baselines,
  evaluation);
- scoring: ``score_users`` for every user at the last date, including writing
  ``marts.activity_scores`` (features from the core tables: the fast path).

Targets (DESIGN.md / issue #6, 2-core machine): training ≤ 60 s for 2M users, scoring
≤ 10 s, memory ≤ 4 GB. Prints wall and CPU seconds (CPU time shows contention from
other processes) and peak RSS.

    .venv/bin/python benchmarks/bench_model.py --users 2000000 --days 120
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._harness import run_phase  # noqa: E402
from models.activity.features import build_user_activity_events
from models.activity.registry import activity_root, save_version
from models.activity.score import score_users
from models.activity.synthetic import build_synthetic_events
from models.activity.train import train_activity_model
from pipelines.config import load_definitions
from pipelines.core.build import build_users
from pipelines.settings import load_settings
from pipelines.warehouse import connect, table_exists

FLOOR_SQL = "SELECT event_date, count(DISTINCT user_key) FROM core.events GROUP BY event_date"


def _cpu_since(cpu: float) -> dict:
    return {"cpu_seconds": round(time.process_time() - cpu, 2)}


def phase_events(directory: str, users: int, days: int, reuse: bool) -> dict:
    cpu = time.process_time()
    conn = connect(Path(directory) / "warehouse.duckdb")
    if reuse and table_exists(conn, "core.events"):
        return {"events": conn.execute("SELECT count(*) FROM core.events").fetchone()[0]}
    return {"events": build_synthetic_events(conn, users, days), **_cpu_since(cpu)}


def phase_floor(directory: str) -> dict:
    cpu = time.process_time()
    connect(Path(directory) / "warehouse.duckdb").execute(FLOOR_SQL).fetchall()
    return _cpu_since(cpu)


def phase_train(directory: str) -> dict:
    cpu = time.process_time()
    conn = connect(Path(directory) / "warehouse.duckdb")
    result = train_activity_model(conn, load_definitions())
    version = save_version(activity_root(Path(directory) / "models"), result)
    return {
        "version": version.version,
        "breakdown": result.training_window["timings"],
        "rows": result.training_window["rows"],
        "validation_roc_auc": {
            k: round(v["roc_auc"], 4) for k, v in result.metrics["classification"].items()
        },
        **_cpu_since(cpu),
    }


def phase_core_users(directory: str) -> dict:
    cpu = time.process_time()
    conn = connect(Path(directory) / "warehouse.duckdb")
    return {**build_users(conn, load_settings()), **_cpu_since(cpu)}


def phase_user_activity_events(directory: str) -> dict:
    cpu = time.process_time()
    conn = connect(Path(directory) / "warehouse.duckdb")
    return {**build_user_activity_events(conn), **_cpu_since(cpu)}


def phase_score(directory: str) -> dict:
    cpu = time.process_time()
    conn = connect(Path(directory) / "warehouse.duckdb")
    run = score_users(conn, activity_root(Path(directory) / "models"), load_definitions())
    return {
        "users": run.users,
        "feature_source": run.feature_source,
        "compiled": run.compiled,
        "breakdown": run.timings,
        **_cpu_since(cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=2_000_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument(
        "--dir", type=Path, default=None, help="working directory (default: a temp dir)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep core.events already in --dir")
    args = parser.parse_args()

    directory = str(args.dir or Path(tempfile.mkdtemp(prefix="bench_model_")))
    results: dict = {
        "users": args.users,
        "days": args.days,
        "cores": os.cpu_count(),
        "machine_memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_before": os.getloadavg(),
    }
    phases = [
        ("events", "phase_events", {"users": args.users, "days": args.days, "reuse": args.reuse}),
        # the machine's speed during this run (a shared VM's drifts by ±40 % within an
        # hour): the metrics benchmark's floor query on these events, before and after
        ("floor_before", "phase_floor", {}),
        # in the order of the asset graph: core/users, core/user_activity_events (read by
        # training and scoring), model/activity_model, marts/activity_scores
        ("core_users", "phase_core_users", {}),
        ("user_activity_events", "phase_user_activity_events", {}),
        ("train", "phase_train", {}),
        ("score", "phase_score", {}),
        ("floor_after", "phase_floor", {}),
    ]
    for label, func, kwargs in phases:
        result = run_phase("benchmarks.bench_model", func, directory=directory, **kwargs)
        result["seconds"] = round(result["seconds"], 2)
        result["peak_gb"] = round(result.pop("peak_mb") / 1024, 2)
        results[label] = result
        print(label, {k: v for k, v in result.items() if k != "breakdown"}, flush=True)
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
