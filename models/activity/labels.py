"""Labels per (user_key, as_of): active days in (as_of, as_of + H] and the p_active target.

H is ``model.horizon_days`` in retainly.yaml (default 28); "active" is
``core.events.is_active``, the definition every metric uses.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from models.activity.errors import AsOfError
from pipelines.warehouse import execute, sql_text


def label_frame(conn: duckdb.DuckDBPyConnection, horizon_days: int) -> pd.DataFrame:
    """``as_of, user_key, label_active_days, label_is_active`` for ``model_population``,
    sorted by (as_of, user_key) like ``features.feature_frame``."""
    frame = execute(conn, sql_text("model/labels"), {"horizon_days": horizon_days}).df()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    frame["label_is_active"] = (frame["label_active_days"] > 0).astype("int8")
    return frame


def label_end(as_of: dt.date, horizon_days: int) -> dt.date:
    """The last day of the label window of ``as_of``."""
    return as_of + dt.timedelta(days=horizon_days)


def check_fully_observed(as_of: dt.date, horizon_days: int, data_end: dt.date) -> None:
    """Labels of ``as_of`` are usable only when its whole horizon is loaded."""
    if label_end(as_of, horizon_days) > data_end:
        raise AsOfError(
            f"labels of as_of {as_of} need data up to {label_end(as_of, horizon_days)} "
            f"(horizon {horizon_days} days), but the data ends {data_end}"
        )
