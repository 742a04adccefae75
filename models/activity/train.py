"""Training: past snapshots with fully observed labels, validation on the latest one.

Snapshot plan for data ending on D with horizon H (``model`` section of retainly.yaml):
validation as_of V = D − H (the latest whose labels are fully loaded); training as_ofs
V − H − k·spacing for k = 0 … training_snapshots − 1, so no training label window
overlaps the validation horizon. The latest training snapshot is held out from the
boosters to choose the number of trees (early stopping) and to fit Platt calibration;
the baselines train on all training snapshots. Nothing random about the split: it is
time-based.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb
import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from threadpoolctl import threadpool_limits

from models.activity import evaluate
from models.activity.baselines import LinearBaseline, RecencyFrequencyRule
from models.activity.errors import InsufficientDataError
from models.activity.features import (
    CATEGORICAL_FEATURES,
    NUMERIC_FEATURES,
    data_bounds,
    drop_inputs,
    feature_frame,
    feature_names,
    prepare_inputs,
    resolve_as_of,
    select_populations,
)
from models.activity.labels import check_fully_observed, label_frame
from models.activity.model import PREDICT_THREADS, ActivityModel, logit, platt
from pipelines.config import Definitions

MIN_HISTORY_DAYS = 7  # a training snapshot needs a week of data for its 7-day features
BASELINE_MAX_ROWS = 300_000  # the linear baselines fit on a deterministic sample this size
SEGMENT_COLUMNS = ("channel", "signup_method", "platform")

# Small trees: chosen on the 3k- and 20k-user demo warehouses and the 2M-user benchmark,
# and capped so that scoring 2M users stays a few seconds of tree traversal (prediction
# cost grows with the trees). The learning rate depends on the training rows (the
# SMALL_DATA_SCHEDULE / LARGE_DATA_SCHEDULE below): on the 2M benchmark (500k rows)
# 0.2 / 0.3 instead of 0.1 cut the trees from 97 / 190 to 45 / 63 at the same ROC-AUC
# (0.9749) and +0.3 % Poisson deviance; on a few thousand rows those rates overfit (3k
# demo ROC-AUC 0.888 vs 0.895 at 0.1), and there 0.1 costs under a second.
LGB_PARAMS: dict[str, Any] = {
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 63,
    "max_cat_to_onehot": 8,
    "seed": 7,
    "deterministic": True,
    "force_col_wise": True,
    "verbose": -1,
}
# Boosters train on one thread: per-iteration OpenMP barriers cost more than a second
# core saves at these sizes, and on a shared machine a descheduled worker thread stalls
# every tree (measured: 17 s vs 340 s for the 20k-user demo under load).
TRAINING_THREADS = 1
# (learning rate per objective, early-stopping patience) below / from FAST_FROM_ROWS rows
SMALL_DATA_SCHEDULE = ({"binary": 0.1, "poisson": 0.1}, 20)
LARGE_DATA_SCHEDULE = ({"binary": 0.2, "poisson": 0.3}, 10)
FAST_FROM_ROWS = 100_000
MAX_ROUNDS = 200
ROUNDS_WITHOUT_HOLDOUT = 100
MIN_CALIBRATION_GAIN = 0.005


@dataclass(frozen=True)
class SnapshotPlan:
    data_end: dt.date
    horizon_days: int
    validation: dt.date
    training: list[dt.date]  # oldest first

    @property
    def booster_snapshots(self) -> list[dt.date]:
        return self.training[:-1] if len(self.training) > 1 else self.training

    @property
    def holdout_snapshot(self) -> dt.date | None:
        """The latest training snapshot, held out from the first fit (early stopping, calibration)."""
        return self.training[-1] if len(self.training) > 1 else None

    def describe(self) -> dict[str, Any]:
        return {
            "data_end": self.data_end.isoformat(),
            "horizon_days": self.horizon_days,
            "training_as_of": [d.isoformat() for d in self.training],
            "booster_as_of": [d.isoformat() for d in self.booster_snapshots],
            "holdout_as_of": self.holdout_snapshot.isoformat() if self.holdout_snapshot else None,
            "validation_as_of": self.validation.isoformat(),
        }


def plan_snapshots(
    first_date: dt.date,
    data_end: dt.date,
    horizon_days: int,
    training_snapshots: int,
    spacing_days: int,
) -> SnapshotPlan:
    """The time-based split for data ``first_date`` … ``data_end`` (see the module docstring)."""
    validation = data_end - dt.timedelta(days=horizon_days)
    earliest = first_date + dt.timedelta(days=MIN_HISTORY_DAYS)
    latest_training = validation - dt.timedelta(days=horizon_days)
    training = [
        latest_training - dt.timedelta(days=k * spacing_days)
        for k in range(training_snapshots)
        if latest_training - dt.timedelta(days=k * spacing_days) >= earliest
    ]
    if not training:
        needed = 2 * horizon_days + MIN_HISTORY_DAYS
        have = (data_end - first_date).days
        raise InsufficientDataError(
            f"not enough history to train: a {horizon_days}-day horizon needs at least {needed} days "
            f"of data (a week of features, then a training and a validation horizon), but "
            f"{first_date} … {data_end} is {have} days; load more days or lower model.horizon_days"
        )
    check_fully_observed(validation, horizon_days, data_end)
    return SnapshotPlan(data_end, horizon_days, validation, sorted(training))


@dataclass
class TrainingResult:
    model: ActivityModel
    plan: SnapshotPlan
    metrics: dict[str, Any]
    training_window: dict[str, Any]
    evaluation_png: bytes = field(repr=False, default=b"")


def snapshot_frames(
    conn: duckdb.DuckDBPyConnection,
    groups: list[tuple[list[dt.date], int | None]],
    top_events: list[str],
    horizon_days: int,
) -> list[pd.DataFrame]:
    """Features and labels of each group of snapshots ``(as_of_dates, max_rows)``, one row
    per (as_of, user_key), computed in one pass over the inputs for every group."""
    select_populations(conn, groups)
    features = feature_frame(conn, top_events)
    labels = label_frame(conn, horizon_days)
    if not (
        features["user_key"].equals(labels["user_key"])
        and features["as_of"].equals(labels["as_of"])
    ):
        raise RuntimeError("features and labels are not aligned on (as_of, user_key)")
    features["label_active_days"] = labels["label_active_days"].to_numpy()
    features["label_is_active"] = labels["label_is_active"].to_numpy()
    as_of = features["as_of"].to_numpy()
    frames = []
    for dates, _ in groups:
        mask = np.isin(as_of, np.array(dates, dtype=object))
        frames.append(features[mask].reset_index(drop=True))
    return frames


def snapshot_frame(
    conn: duckdb.DuckDBPyConnection,
    as_of_dates: list[dt.date],
    top_events: list[str],
    horizon_days: int,
    max_rows: int | None,
) -> pd.DataFrame:
    """Features and labels of the snapshots, one row per (as_of, user_key)."""
    return snapshot_frames(conn, [(as_of_dates, max_rows)], top_events, horizon_days)[0]


def check_class_counts(
    frame: pd.DataFrame, min_positives: int, min_negatives: int, what: str
) -> None:
    positives = int(frame["label_is_active"].sum())
    negatives = len(frame) - positives
    if positives < min_positives or negatives < min_negatives:
        raise InsufficientDataError(
            f"too few examples to train: {what} has {positives:,} users active in the horizon and "
            f"{negatives:,} inactive; at least {min_positives:,} of each are needed "
            f"(model.min_positives / model.min_negatives in retainly.yaml, in the spirit of GA4's "
            "1,000 / 1,000 rule for predictive metrics). Load more users or history."
        )


def _fit_boosters(
    train: pd.DataFrame, holdout_date: dt.date | None, names: list[str]
) -> tuple[lgb.Booster, lgb.Booster, dict[str, Any]]:
    """(classifier, regressor, calibration). With a holdout snapshot: fit on the others,
    early-stop and fit Platt on the holdout, then refit on every training snapshot with
    the chosen number of trees (the holdout is the freshest data; dropping it would cost
    the model its most recent behaviour).

    The features are binned once: one LightGBM Dataset of every training row, whose
    subsets (fit rows, holdout rows) share its bins, and whose label is swapped between
    the two objectives."""
    calibration: dict[str, Any] = {
        "method": "none",
        "reason": "a single training snapshot leaves no holdout to calibrate on",
    }
    base = {**LGB_PARAMS, "num_threads": TRAINING_THREADS}
    rates, patience = LARGE_DATA_SCHEDULE if len(train) >= FAST_FROM_ROWS else SMALL_DATA_SCHEDULE
    full_set = lgb.Dataset(
        train[names],
        train["label_is_active"].to_numpy(dtype=np.float64),
        categorical_feature=CATEGORICAL_FEATURES,
        params=base,
        free_raw_data=True,
    ).construct()
    subsets = None
    if holdout_date is not None:
        is_holdout = (train["as_of"] == holdout_date).to_numpy()
        fit_rows, holdout_rows = np.flatnonzero(~is_holdout), np.flatnonzero(is_holdout)
        subsets = (
            full_set.subset(fit_rows).construct(),
            full_set.subset(holdout_rows).construct(),
        )
    boosters, rounds = [], {}
    for objective, target in (("binary", "label_is_active"), ("poisson", "label_active_days")):
        params = {**base, "objective": objective, "learning_rate": rates[objective]}
        y = train[target].to_numpy(dtype=np.float64)
        full_set.set_label(y)
        if subsets is None:
            boosters.append(lgb.train(params, full_set, num_boost_round=ROUNDS_WITHOUT_HOLDOUT))
            rounds[target] = ROUNDS_WITHOUT_HOLDOUT
            continue
        fit_set, holdout_set = subsets
        fit_set.set_label(y[fit_rows])
        holdout_set.set_label(y[holdout_rows])
        first = lgb.train(
            params,
            fit_set,
            num_boost_round=MAX_ROUNDS,
            valid_sets=[holdout_set],
            callbacks=[lgb.early_stopping(patience, verbose=False)],
        )
        rounds[target] = first.best_iteration or first.current_iteration()
        if objective == "binary":
            holdout = train.iloc[holdout_rows]
            calibration = _fit_platt(
                y[holdout_rows],
                first.predict(
                    holdout[names], num_iteration=rounds[target], num_threads=PREDICT_THREADS
                ),
            )
        boosters.append(lgb.train(params, full_set, num_boost_round=rounds[target]))
    calibration["rounds"] = rounds
    calibration["learning_rates"] = rates
    return boosters[0], boosters[1], calibration


def _fit_platt(y: np.ndarray, p_raw: np.ndarray) -> dict[str, Any]:
    """Platt scaling on the holdout snapshot, kept only if it lowers the Brier score there by
    at least ``MIN_CALIBRATION_GAIN`` (relative); otherwise the raw probabilities stand."""
    fitted = LogisticRegression(C=1e6).fit(logit(p_raw).reshape(-1, 1), y)
    calibration = {
        "method": "platt",
        "a": float(fitted.coef_[0, 0]),
        "b": float(fitted.intercept_[0]),
    }
    brier_raw = brier_score_loss(y, p_raw)
    brier_platt = brier_score_loss(y, platt(p_raw, calibration))
    calibration["holdout_brier_raw"] = float(brier_raw)
    calibration["holdout_brier_platt"] = float(brier_platt)
    if brier_platt > (1 - MIN_CALIBRATION_GAIN) * brier_raw:
        calibration["method"] = "none"
    return calibration


def _sample(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    return frame if len(frame) <= rows else frame.sample(n=rows, random_state=7)


def _importance(booster: lgb.Booster, target: str) -> list[dict[str, Any]]:
    gains = booster.feature_importance(importance_type="gain")
    total = float(gains.sum()) or 1.0
    rows = [
        {"target": target, "feature": f, "gain": float(g), "gain_share": float(g) / total}
        for f, g in zip(booster.feature_name(), gains, strict=True)
    ]
    return sorted(rows, key=lambda r: -r["gain"])


def _segments(frame: pd.DataFrame, p: np.ndarray) -> list[dict[str, Any]]:
    """Validation users per segment: mean predicted p_active next to the actual rate."""
    rows = []
    scored = frame.assign(p_active=p)
    for column in SEGMENT_COLUMNS:
        grouped = scored.groupby(column, observed=True).agg(
            users=("p_active", "size"),
            p_active_mean=("p_active", "mean"),
            actual_rate=("label_is_active", "mean"),
        )
        for value, row in grouped.sort_values("users", ascending=False).iterrows():
            rows.append(
                {
                    "segment_type": column,
                    "segment_value": str(value),
                    **{k: float(v) for k, v in row.items()},
                }
            )
    return rows


def train_activity_model(
    conn: duckdb.DuckDBPyConnection, definitions: Definitions, as_of: dt.date | None = None
) -> TrainingResult:
    """Fit, calibrate and validate the activity model on ``core.events`` up to ``as_of``
    (default: the last loaded date), with the baselines scored on the same validation snapshot."""
    config = definitions.model
    timings: dict[str, float] = {}
    started = time.perf_counter()
    data_end = resolve_as_of(conn, as_of)
    first_date, _ = data_bounds(conn)
    plan = plan_snapshots(
        first_date,
        data_end,
        config.horizon_days,
        config.training_snapshots,
        config.snapshot_spacing_days,
    )
    top_events = list(config.top_events)
    names = feature_names(top_events)

    prepare_inputs(conn, data_end, definitions.channel_for)
    # training and validation snapshots in one population: one pass over the inputs
    train, valid = snapshot_frames(
        conn,
        [
            (plan.training, config.max_training_rows),
            ([plan.validation], config.max_training_rows),
        ],
        top_events,
        config.horizon_days,
    )
    drop_inputs(conn)  # the rest of training works on the frames
    check_class_counts(
        train,
        config.min_positives,
        config.min_negatives,
        f"the training snapshots {plan.describe()['training_as_of']}",
    )
    check_class_counts(valid, 1, 1, f"the validation snapshot {plan.validation}")
    timings["features_seconds"] = time.perf_counter() - started

    t = time.perf_counter()
    classifier, regressor, calibration = _fit_boosters(train, plan.holdout_snapshot, names)
    model = ActivityModel(
        classifier,
        regressor,
        names,
        list(CATEGORICAL_FEATURES),
        top_events,
        config.horizon_days,
        calibration,
    )
    timings["lightgbm_seconds"] = time.perf_counter() - t

    t = time.perf_counter()
    baseline_train = _sample(train, BASELINE_MAX_ROWS)
    y_train = (
        baseline_train["label_is_active"].to_numpy(),
        baseline_train["label_active_days"].to_numpy(),
    )
    rule = RecencyFrequencyRule().fit(
        train, train["label_is_active"].to_numpy(), train["label_active_days"].to_numpy()
    )
    linear = LinearBaseline(
        NUMERIC_FEATURES + names[len(NUMERIC_FEATURES) : -len(CATEGORICAL_FEATURES)],
        CATEGORICAL_FEATURES,
    )
    with threadpool_limits(limits=1):  # small dense solves: BLAS threads only contend
        linear.fit(baseline_train, *y_train)
    timings["baselines_seconds"] = time.perf_counter() - t

    t = time.perf_counter()
    y = valid["label_is_active"].to_numpy()
    days = valid["label_active_days"].to_numpy()
    x_valid = model.matrix(valid)
    p_raw = model.predict_raw(x_valid)
    p = platt(p_raw, model.calibration)
    mu = model.regressor.predict(x_valid, num_threads=PREDICT_THREADS)
    del x_valid
    predictions = {
        "lightgbm": (p, mu),
        RecencyFrequencyRule.name: rule.predict(valid),
        LinearBaseline.name: linear.predict(valid),
    }
    classification = {
        name: evaluate.classification_metrics(y, pred[0]) for name, pred in predictions.items()
    }
    classification["lightgbm_uncalibrated"] = evaluate.classification_metrics(y, p_raw)
    regression = {
        name: evaluate.regression_metrics(days, pred[1]) for name, pred in predictions.items()
    }
    lift = evaluate.lift_table(y, p)
    calibration_rows = evaluate.calibration_table(y, p)
    png = evaluate.lift_calibration_png(
        lift,
        calibration_rows,
        f"Validation snapshot {plan.validation} (H = {config.horizon_days} days)",
    )
    timings["evaluation_seconds"] = time.perf_counter() - t
    timings["total_seconds"] = time.perf_counter() - started

    metrics = {
        "validation_as_of": plan.validation.isoformat(),
        "horizon_days": config.horizon_days,
        "classification": classification,
        "regression": regression,
        "calibration": calibration,
        "calibration_table": calibration_rows,
        "lift_table": lift,
        "uncalibrated_calibration_table": evaluate.calibration_table(y, p_raw),
        "feature_importance": _importance(classifier, "p_active")
        + _importance(regressor, "active_days"),
        "segments": _segments(valid, p),
    }
    training_window = {
        **plan.describe(),
        "first_loaded_date": first_date.isoformat(),
        "rows": {
            "training": len(train),
            "holdout": int((train["as_of"] == plan.holdout_snapshot).sum()),
            "baseline_fit": len(baseline_train),
            "validation": len(valid),
        },
        "training_positives": int(train["label_is_active"].sum()),
        "validation_positives": int(y.sum()),
        "max_training_rows": config.max_training_rows,
        "min_positives": config.min_positives,
        "min_negatives": config.min_negatives,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
    return TrainingResult(model, plan, metrics, training_window, png)
