"""Activity-model benchmark: training and scoring time and peak memory at scale.

Builds a synthetic ``core.events`` (``models.activity.synthetic``: latent engagement
drives activity) for ``--users`` users over ``--days`` days in a fresh DuckDB file, then
times, in one process:

- training: ``train_activity_model`` with the default definitions (4 training snapshots
  + 1 validation snapshot, features in DuckDB for every user, LightGBM on a
  deterministic sample of at most ``model.max_training_rows`` rows, both baselines,
  evaluation);
- the core tables scoring reads (``core.users``, ``core.user_activity_events``): built by the
  pipeline's core and metrics assets anyway, timed on their own;
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
import resource
import tempfile
import time
from pathlib import Path

import psutil

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


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def timed(label: str, results: dict, fn, *args, **kwargs):
    cpu, wall = time.process_time(), time.perf_counter()
    value = fn(*args, **kwargs)
    results[label] = {
        "wall_seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "peak_rss_gb": round(peak_rss_gb(), 2),
    }
    print(label, results[label], flush=True)
    return value


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

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="bench_model_"))
    definitions = load_definitions()
    conn = connect(workdir / "warehouse.duckdb")
    results: dict = {
        "users": args.users,
        "days": args.days,
        "cores": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    if args.reuse and table_exists(conn, "core.events"):
        events = conn.execute("SELECT count(*) FROM core.events").fetchone()[0]
    else:
        events = timed(
            "build_synthetic_events", results, build_synthetic_events, conn, args.users, args.days
        )
    results["events"] = events
    # the machine's speed during this run (a shared VM's varies by ±50 % over an hour): the
    # metrics benchmark's floor query on these events, before training and after scoring
    timed("floor_before", results, lambda: conn.execute(FLOOR_SQL).fetchall())
    result = timed("train", results, train_activity_model, conn, definitions)
    results["train_breakdown"] = result.training_window["timings"]
    results["training_rows"] = result.training_window["rows"]
    root = activity_root(workdir / "models")
    timed("save_version", results, save_version, root, result)
    timed(
        "core_tables",
        results,
        lambda: (build_users(conn, load_settings()), build_user_activity_events(conn)),
    )
    run = timed("score", results, score_users, conn, root, definitions)
    results["scored_users"] = run.users
    results["feature_source"] = run.feature_source
    results["compiled_predict"] = run.compiled
    results["score_breakdown"] = run.timings
    results["validation"] = {
        k: round(v["roc_auc"], 4) for k, v in result.metrics["classification"].items()
    }
    timed("floor_after", results, lambda: conn.execute(FLOOR_SQL).fetchall())
    results["load_average_after"] = os.getloadavg()
    results["machine_memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
