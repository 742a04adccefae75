"""The trained activity model: two LightGBM boosters plus optional Platt calibration.

- ``classifier`` (binary objective) → raw P(at least one active day in the horizon),
  then Platt-scaled when calibration helped on the held-out calibration snapshot;
- ``regressor`` (Poisson objective) → expected active days in the horizon.

Saved as LightGBM text files and JSON (no pickles), so a version can be read by any
LightGBM and audited by eye.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from models.activity.compiled import Predictor, compile_model
from models.activity.errors import FeatureMismatchError

CLASSIFIER_FILE = "p_active.lgb.txt"
REGRESSOR_FILE = "active_days.lgb.txt"
FEATURES_FILE = "features.json"
CALIBRATION_FILE = "calibration.json"
# Prediction splits rows across threads without per-tree barriers: use every core.
PREDICT_THREADS = os.cpu_count() or 1
# Rows per prediction chunk: the float64 feature matrix of a chunk, not of every user,
# is in memory at once (2M users × 45 features would be 720 MB).
PREDICT_CHUNK_ROWS = 250_000


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def platt(p_raw: np.ndarray, calibration: dict) -> np.ndarray:
    """Apply ``{"method": "platt", "a": a, "b": b}`` (sigmoid(a·logit(p) + b)); "none" = identity."""
    if calibration.get("method") != "platt":
        return p_raw
    return 1.0 / (1.0 + np.exp(-(calibration["a"] * logit(p_raw) + calibration["b"])))


@dataclass
class ActivityModel:
    classifier: lgb.Booster
    regressor: lgb.Booster
    feature_names: list[str]
    categorical_features: list[str]
    top_events: list[str]
    horizon_days: int
    calibration: dict = field(default_factory=lambda: {"method": "none"})
    # the boosters compiled to native code (compile()), used by predict_chunked
    compiled: tuple[Predictor, Predictor] | None = field(default=None, repr=False)

    def compile(self, directory: Path) -> bool:
        """Compile the saved boosters in ``directory`` (models/activity/compiled.py) for
        fast scoring; False, and LightGBM predicts, when that is not possible here."""
        classifier = compile_model(directory / CLASSIFIER_FILE, PREDICT_THREADS)
        regressor = classifier and compile_model(directory / REGRESSOR_FILE, PREDICT_THREADS)
        self.compiled = (classifier, regressor) if classifier and regressor else None
        return self.compiled is not None

    def check_features(self, columns: list[str], context: str = "") -> None:
        """Fail clearly when the features computed now differ from the trained ones."""
        if list(columns) == self.feature_names:
            return
        missing = [c for c in self.feature_names if c not in columns]
        extra = [c for c in columns if c not in self.feature_names]
        detail = (
            f"missing {missing}, unexpected {extra}"
            if missing or extra
            else "same names in another order"
        )
        raise FeatureMismatchError(
            f"feature list does not match the model{context}: {detail}. The model was trained with "
            f"model.top_events={self.top_events}; restore that configuration or train a new version."
        )

    def columns(self, frame: pd.DataFrame) -> list[np.ndarray]:
        """The features as numeric arrays, categories coded as in training.

        What LightGBM does with a pandas frame (categories → the training frame's codes,
        unseen or missing → NaN), done once for both boosters, without a frame copy."""
        categorical = [c for c in self.feature_names if c in self.categorical_features]
        known = self.classifier.pandas_categorical or []
        if len(known) != len(categorical):
            raise FeatureMismatchError(
                f"the model knows the categories of {len(known)} features, expected {len(categorical)}"
            )
        categories = dict(zip(categorical, known, strict=True))
        arrays = []
        for name in self.feature_names:
            column = frame[name]
            if name in categories:
                codes = pd.Categorical(column, categories=categories[name]).codes
                arrays.append(np.where(codes < 0, np.nan, codes))
            elif isinstance(column.dtype, np.dtype):
                arrays.append(column.to_numpy())  # converted to float64 chunk by chunk
            else:
                arrays.append(column.to_numpy(dtype=np.float64, na_value=np.nan))
        return arrays

    def matrix(
        self, frame: pd.DataFrame, rows: slice = slice(None), out: np.ndarray | None = None
    ) -> np.ndarray:
        """``rows`` of the features as one C-ordered float64 matrix; ``frame`` may be a
        feature frame or its ``columns``. ``out``, a C-ordered buffer of at least that many
        rows, is filled instead of a new array."""
        arrays = frame if isinstance(frame, list) else self.columns(frame)
        n = len(arrays[0][rows]) if arrays else 0
        x = np.empty((n, len(self.feature_names))) if out is None else out[:n]
        for i, array in enumerate(arrays):
            x[:, i] = array[rows]
        return x

    def predict_raw(self, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Uncalibrated p_active; ``frame`` may be a feature frame or ``matrix(frame)``."""
        x = frame if isinstance(frame, np.ndarray) else self.matrix(frame)
        return self.classifier.predict(x, num_threads=PREDICT_THREADS)

    def predict(self, frame: pd.DataFrame | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(p_active, expected_active_days) for a feature frame (or its ``matrix``)."""
        x = frame if isinstance(frame, np.ndarray) else self.matrix(frame)
        p_raw = self.classifier.predict(x, num_threads=PREDICT_THREADS)
        return platt(p_raw, self.calibration), self.regressor.predict(
            x, num_threads=PREDICT_THREADS
        )

    def predict_chunked(
        self, frame: pd.DataFrame, chunk_rows: int = PREDICT_CHUNK_ROWS
    ) -> tuple[np.ndarray, np.ndarray]:
        """``predict(frame)`` a chunk of rows at a time (bounded memory), with the compiled
        boosters when ``compile`` succeeded (equal to LightGBM's up to rounding). One chunk
        buffer serves every chunk: the page faults of a fresh 90 MB array cost more than
        predicting into it."""
        n = len(frame)
        p_active, expected_days = np.empty(n), np.empty(n)
        arrays = self.columns(frame)
        buffer = np.empty((min(chunk_rows, n), len(self.feature_names)))
        for start in range(0, n, chunk_rows):
            rows = slice(start, min(start + chunk_rows, n))
            x = self.matrix(arrays, rows, buffer)
            if self.compiled is None:
                p_active[rows], expected_days[rows] = self.predict(x)
            else:
                classify, regress = self.compiled
                p_active[rows] = platt(classify(x), self.calibration)
                expected_days[rows] = regress(x)
        return p_active, expected_days

    def save(self, directory: Path) -> None:
        self.classifier.save_model(directory / CLASSIFIER_FILE)
        self.regressor.save_model(directory / REGRESSOR_FILE)
        features = {
            "feature_names": self.feature_names,
            "categorical_features": self.categorical_features,
            "top_events": self.top_events,
            "horizon_days": self.horizon_days,
        }
        (directory / FEATURES_FILE).write_text(json.dumps(features, indent=2) + "\n")
        (directory / CALIBRATION_FILE).write_text(json.dumps(self.calibration, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> ActivityModel:
        features = json.loads((directory / FEATURES_FILE).read_text())
        return cls(
            classifier=lgb.Booster(model_file=str(directory / CLASSIFIER_FILE)),
            regressor=lgb.Booster(model_file=str(directory / REGRESSOR_FILE)),
            feature_names=features["feature_names"],
            categorical_features=features["categorical_features"],
            top_events=features["top_events"],
            horizon_days=features["horizon_days"],
            calibration=json.loads((directory / CALIBRATION_FILE).read_text()),
        )
