"""The two baselines LightGBM must beat on the same time-based split.

- ``RecencyFrequencyRule``: the classic RF grid. Users are bucketed by days since last
  active and active days in the last 28; a cell predicts its training share of active
  users (and mean active days), shrunk toward the overall mean for small cells.
- ``LinearBaseline``: scikit-learn logistic regression (p_active) and Poisson regression
  (expected active days) on the same features: signed log1p + standardisation for
  numbers (missing values imputed with an indicator), one-hot for categories.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

RECENCY_EDGES = [0, 1, 4, 8, 15, 29, 57, 91]  # days since last active: 0, 1-3, 4-7, ... 91+
FREQUENCY_EDGES = [1, 2, 3, 5, 8, 14, 21]  # active days in the last 28: 1, 2, 3-4, ... 21+
SHRINKAGE_USERS = 20


def _cells(frame: pd.DataFrame) -> np.ndarray:
    recency = np.searchsorted(
        RECENCY_EDGES, frame["days_since_last_active"].to_numpy(), side="right"
    )
    frequency = np.searchsorted(FREQUENCY_EDGES, frame["active_days_28d"].to_numpy(), side="right")
    return recency * (len(FREQUENCY_EDGES) + 1) + frequency


class RecencyFrequencyRule:
    name = "recency_frequency_rule"

    def fit(
        self, frame: pd.DataFrame, y_active: np.ndarray, y_days: np.ndarray
    ) -> RecencyFrequencyRule:
        cells = _cells(frame)
        stats = (
            pd.DataFrame({"cell": cells, "y": y_active, "days": y_days})
            .groupby("cell")
            .agg(users=("y", "size"), positives=("y", "sum"), days=("days", "sum"))
        )
        self.base_rate_, self.base_days_ = float(np.mean(y_active)), float(np.mean(y_days))
        weight = stats["users"] + SHRINKAGE_USERS
        self.p_ = ((stats["positives"] + SHRINKAGE_USERS * self.base_rate_) / weight).to_dict()
        self.days_ = ((stats["days"] + SHRINKAGE_USERS * self.base_days_) / weight).to_dict()
        return self

    def predict(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        cells = pd.Series(_cells(frame))
        p = cells.map(self.p_).fillna(self.base_rate_).to_numpy()
        days = cells.map(self.days_).fillna(self.base_days_).to_numpy()
        return p, days


def _signed_log1p(x):
    return np.sign(x) * np.log1p(np.abs(x))


def _preprocessor(numeric: Sequence[str], categorical: Sequence[str]) -> ColumnTransformer:
    numbers = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        FunctionTransformer(_signed_log1p),
        StandardScaler(),
    )
    return ColumnTransformer(
        [
            ("numeric", numbers, list(numeric)),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", min_frequency=20),
                list(categorical),
            ),
        ]
    )


class LinearBaseline:
    name = "logistic_regression"

    def __init__(self, numeric: Sequence[str], categorical: Sequence[str]):
        self.numeric, self.categorical = list(numeric), list(categorical)

    def _x(self, frame: pd.DataFrame) -> pd.DataFrame:
        x = frame[self.numeric + self.categorical].copy()
        for column in self.categorical:
            x[column] = x[column].astype(str)
        return x

    def fit(self, frame: pd.DataFrame, y_active: np.ndarray, y_days: np.ndarray) -> LinearBaseline:
        x = self._x(frame)
        self.classifier_ = make_pipeline(
            _preprocessor(self.numeric, self.categorical),
            LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=100),
        ).fit(x, y_active)
        self.regressor_ = make_pipeline(
            _preprocessor(self.numeric, self.categorical),
            PoissonRegressor(alpha=1e-4, solver="newton-cholesky", max_iter=100),
        ).fit(x, y_days)
        return self

    def predict(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        x = self._x(frame)
        return self.classifier_.predict_proba(x)[:, 1], self.regressor_.predict(x)
