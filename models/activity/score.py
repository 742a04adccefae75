"""Scoring: a registered version applied to every user seen on or before ``as_of``,
written to ``marts.activity_scores``, plus the per-segment and evaluation marts."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models.activity.features import (
    drop_inputs,
    feature_frame,
    feature_names,
    latest_feature_frame,
    latest_inputs_problem,
    prepare_inputs,
    resolve_as_of,
    select_population,
)
from models.activity.registry import ModelVersion, load_version
from pipelines.config import Definitions
from pipelines.warehouse import row_count, run_sql, transaction

SEGMENT_OUTPUT_COLUMNS = [
    "channel",
    "signup_method",
    "platform",
    "plan",
    "is_paid",
    "tenure_days",
    "days_since_last_active",
]
RECENT_USER_DAYS = 28
# The marts.* tables of model_evaluation_schema.sql, one per evaluation frame.
EVALUATION_TABLES = ("model_lift", "model_calibration", "model_metrics", "model_feature_importance")


@dataclass
class ScoreRun:
    version: str
    as_of: dt.date
    users: int
    p_active_mean: float
    expected_active_days_mean: float
    # "core.user_activity_events + core.users" (the fast path at the last loaded date) or
    # "core.events (point in time)", with why the fast path was not taken
    feature_source: str = ""
    # the boosters ran compiled (lleaves) rather than through LightGBM's predict
    compiled: bool = False
    timings: dict[str, float] = field(default_factory=dict)


def score_users(
    conn: duckdb.DuckDBPyConnection,
    root: Path,
    definitions: Definitions,
    as_of: dt.date | None = None,
    version: str | None = None,
) -> ScoreRun:
    """Score with ``version`` (default: latest) at ``as_of`` (default: last loaded date) into
    ``marts.activity_scores``. Fails before touching the mart if the version is missing,
    ``as_of`` is outside the data, or the configured features differ from the model's."""
    loaded: ModelVersion = load_version(root, version)
    model = loaded.model
    as_of = resolve_as_of(conn, as_of)
    top_events = list(definitions.model.top_events)
    model.check_features(
        feature_names(top_events),
        context=f" version {loaded.version} (retainly.yaml model.top_events)",
    )

    timings: dict[str, float] = {}
    started = t = time.perf_counter()
    compiled = model.compile(loaded.path)
    timings["compile_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    problem = latest_inputs_problem(conn, as_of)
    if problem is None:
        source = "core.user_activity_events + core.users"
        features = latest_feature_frame(conn, as_of, top_events, definitions.channel_for)
    else:
        source = f"core.events (point in time: {problem})"
        prepare_inputs(conn, as_of, definitions.channel_for)
        timings["inputs_seconds"] = time.perf_counter() - t
        t = time.perf_counter()
        select_population(conn, [as_of])
        features = feature_frame(conn, top_events)
    drop_inputs(conn)  # DuckDB memory for writing the mart instead of spilling to disk
    timings["features_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    model.check_features(
        [c for c in features.columns if c not in ("as_of", "user_key")],
        context=f" version {loaded.version}",
    )
    p_active, expected_days = model.predict_chunked(features)
    n = len(features)
    # Arrow columns straight from the feature frame (categories stay dictionary-encoded):
    # no pandas copy of 2M rows
    user_keys = pa.array(features["user_key"], type=pa.string())
    scored = pa.table(
        {
            "user_key": user_keys,
            "p_active": p_active,
            "expected_active_days": expected_days,
            "score_rank": score_ranks(user_keys, p_active, expected_days),
            **{
                c: pa.array(features[c].to_numpy().astype(bool))
                if c == "is_paid"
                else pa.array(features[c])
                for c in SEGMENT_OUTPUT_COLUMNS
            },
        }
    )
    del features  # ~1 GB at 2M users, not needed while DuckDB writes the mart
    timings["predict_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.register("model_scored", scored)
    try:
        run_sql(
            conn,
            "model/activity_scores",
            {
                "as_of": as_of,
                "model_version": loaded.version,
                "horizon_days": model.horizon_days,
                "users": n,
            },
        )
    finally:
        conn.unregister("model_scored")
    timings["write_seconds"] = time.perf_counter() - t
    timings["total_seconds"] = time.perf_counter() - started
    return ScoreRun(
        version=loaded.version,
        as_of=as_of,
        users=n,
        p_active_mean=float(np.mean(p_active)) if n else float("nan"),
        expected_active_days_mean=float(np.mean(expected_days)) if n else float("nan"),
        feature_source=source,
        compiled=compiled,
        timings={k: round(v, 3) for k, v in timings.items()},
    )


def score_ranks(user_keys: pa.Array, p_active: np.ndarray, expected_days: np.ndarray) -> np.ndarray:
    """1-based rank of each row: higher p_active first, ties by more expected active
    days, then by user_key (so equal scores still get distinct, reproducible ranks)."""
    order = pc.sort_indices(
        pa.table(
            {
                "p_active": p_active,
                "expected_active_days": expected_days,
                "user_key": user_keys,
            }
        ),
        sort_keys=[
            ("p_active", "descending"),
            ("expected_active_days", "descending"),
            ("user_key", "ascending"),
        ],
    ).to_numpy()
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def build_activity_by_segment(
    conn: duckdb.DuckDBPyConnection, recent_days: int = RECENT_USER_DAYS
) -> int:
    """``marts.activity_by_segment`` from the current ``marts.activity_scores``; returns rows."""
    run_sql(conn, "model/activity_by_segment", {"recent_days": recent_days})
    return conn.execute("SELECT count(*) FROM marts.activity_by_segment").fetchone()[0]


def publish_evaluation(conn: duckdb.DuckDBPyConnection, loaded: ModelVersion) -> dict[str, int]:
    """Write a version's validation lift, calibration, metrics and importance to the
    ``marts.model_*`` tables (Grafana reads them); returns rows per table."""
    metrics = loaded.metrics
    rows = [
        {
            "validation_as_of": dt.date.fromisoformat(metrics["validation_as_of"]),
            "model": model,
            "metric": metric,
            "value": float(value),
        }
        for kind in ("classification", "regression")
        for model, values in metrics[kind].items()
        for metric, value in values.items()
    ]
    frames = {
        "model_lift_rows": pd.DataFrame(metrics["lift_table"]),
        "model_calibration_rows": pd.DataFrame(metrics["calibration_table"]),
        "model_metrics_rows": pd.DataFrame(rows),
        "model_feature_importance_rows": pd.DataFrame(metrics["feature_importance"]),
    }
    for name, frame in frames.items():
        conn.register(name, frame)
    try:
        with transaction(conn):
            run_sql(conn, "model/model_evaluation_schema")
            run_sql(conn, "model/model_evaluation", {"model_version": loaded.version})
    finally:
        for name in frames:
            conn.unregister(name)
    return {name.removesuffix("_rows"): len(frame) for name, frame in frames.items()}


def ensure_evaluation_tables(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The ``marts.model_*`` tables, created empty if missing (before any version exists
    the serving publish and dashboards read them as empty); returns rows per table."""
    run_sql(conn, "model/model_evaluation_schema")
    return {name: row_count(conn, f"marts.{name}") for name in EVALUATION_TABLES}


def clear_scores(conn: duckdb.DuckDBPyConnection) -> None:
    """An empty ``marts.activity_scores`` (the columns scoring writes) while no version can
    be trained yet: what reads it (activity by segment, audiences, serving, dashboards)
    runs on an empty table instead of failing."""
    run_sql(conn, "model/activity_scores_empty")
