"""Point-in-time features per (user_key, as_of), computed in DuckDB for all users at once.

``prepare_inputs`` builds compact per-user-day tables from ``core.events`` (once per
connection and data end), ``select_population`` picks the (as_of, user_key) rows of one
or more snapshots, ``feature_frame`` computes their features with ``sql/model/features.sql``.
Every input is cut at the end of the local day ``as_of``: adding later events changes
no feature (``tests/test_model_features.py`` proves it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from models.activity.errors import AsOfError, ModelError
from pipelines.warehouse import execute, run_sql, sql_text

KEY_COLUMNS = ["as_of", "user_key"]
NUMERIC_FEATURES = [
    "days_since_last_active",
    "active_days_1d",
    "active_days_7d",
    "active_days_14d",
    "active_days_28d",
    "active_days_90d",
    "count_events_1d",
    "count_events_7d",
    "count_events_28d",
    "count_events_90d",
    "active_days_prev_7d",
    "trend_active_days_7d",
    "tenure_days",
    "active_days_lifetime",
    "share_days_active",
    "mean_days_between_active",
    "recency_over_mean_gap",
    "events_per_active_day_28d",
    "days_since_signup",
    "days_since_first_paid",
    "is_paid",
    "is_referred",
]
CATEGORICAL_FEATURES = ["signup_method", "channel", "platform", "plan"]
# count_28d_<event>: the 28 days ending at as_of (features_top_events.sql)
TOP_EVENT_WINDOW_DAYS = 28


def top_event_feature(event_name: str) -> str:
    """Column name of a top event's 28-day count: ``Summary Created`` → ``count_28d_summary_created``."""
    slug = re.sub(r"[^a-z0-9]+", "_", event_name.lower()).strip("_")
    if not slug:
        raise ModelError(
            f"model.top_events: {event_name!r} has no letters or digits to name a feature"
        )
    return f"count_28d_{slug}"


def feature_names(top_events: Sequence[str]) -> list[str]:
    """The model's feature columns, in order, for a ``top_events`` configuration."""
    names = [top_event_feature(e) for e in top_events]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ModelError(f"model.top_events: several events map to the same feature {duplicated}")
    return NUMERIC_FEATURES + names + CATEGORICAL_FEATURES


def data_bounds(conn: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """First and last local dates with activity in ``core.events`` (the last loaded date)."""
    first, last = conn.execute(
        "SELECT min(event_date), max(event_date) FROM core.events WHERE is_active"
    ).fetchone()
    if last is None:
        raise ModelError(
            "core.events has no activity events: load events before training or scoring"
        )
    return first, last


def resolve_as_of(conn: duckdb.DuckDBPyConnection, as_of: dt.date | None) -> dt.date:
    """``as_of`` if given and inside the loaded data, else the last loaded date."""
    first, last = data_bounds(conn)
    if as_of is None:
        return last
    if as_of > last:
        raise AsOfError(
            f"as_of {as_of} is after the last loaded date {last}: features and labels would "
            "read days that are not loaded yet; load those days or choose an earlier as_of"
        )
    if as_of < first:
        raise AsOfError(
            f"as_of {as_of} is before the first loaded date {first}: no user is seen yet"
        )
    return as_of


def prepare_inputs(
    conn: duckdb.DuckDBPyConnection,
    data_end: dt.date,
    top_events: Sequence[str],
    channel_for: Callable[[str | None, str | None], str],
    first_as_of: dt.date | None = None,
) -> None:
    """Build the model's temp input tables from ``core.events`` up to ``data_end``.

    ``channel_for`` maps first-touch (source, medium) to a channel: the definitions'
    channel rules (``Definitions.channel_for``), applied to the few distinct pairs.
    ``first_as_of``: the earliest snapshot the inputs will serve (default: any); the
    top-event days before its 28-day window are not needed and not built.
    """
    top_events_from = (
        first_as_of - dt.timedelta(days=TOP_EVENT_WINDOW_DAYS)
        if first_as_of is not None
        else dt.date.min
    )
    run_sql(
        conn,
        "model/inputs",
        {"data_end": data_end, "top_events": list(top_events), "top_events_from": top_events_from},
    )
    pairs = conn.execute(
        "SELECT DISTINCT first_utm_source, first_utm_medium FROM model_user_milestones"
    ).df()
    pairs.columns = ["utm_source", "utm_medium"]
    pairs = pairs.astype(object).where(pairs.notna(), None)
    pairs["channel"] = [
        channel_for(s, m) for s, m in zip(pairs.utm_source, pairs.utm_medium, strict=True)
    ]
    channel_map = pairs.astype(
        {"utm_source": "string", "utm_medium": "string", "channel": "string"}
    )
    conn.register("model_channel_map_rows", channel_map)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE model_channel_map AS SELECT * FROM model_channel_map_rows"
    )
    conn.unregister("model_channel_map_rows")


def population_size(conn: duckdb.DuckDBPyConnection, as_of_dates: Sequence[dt.date]) -> int:
    """Users first seen on or before each as_of, summed over the snapshots."""
    return conn.execute(
        "SELECT count(*) FROM (SELECT unnest($dates::DATE[]) AS as_of) AS s "
        "JOIN model_user_milestones AS m ON m.first_seen_date <= s.as_of",
        {"dates": list(as_of_dates)},
    ).fetchone()[0]


def select_population(
    conn: duckdb.DuckDBPyConnection, as_of_dates: Sequence[dt.date], max_rows: int | None = None
) -> int:
    """Create ``model_population`` for the snapshots; a deterministic hash sample keeps
    about ``max_rows`` rows when there are more. Returns the number of rows kept."""
    total = population_size(conn, as_of_dates)
    per_million = (
        1_000_000 if not max_rows or total <= max_rows else int(1_000_000 * max_rows / total)
    )
    run_sql(
        conn,
        "model/population",
        {"as_of_dates": list(as_of_dates), "sample_per_million": per_million},
    )
    return conn.execute("SELECT count(*) FROM model_population").fetchone()[0]


def feature_frame(conn: duckdb.DuckDBPyConnection, top_events: Sequence[str]) -> pd.DataFrame:
    """Features of ``model_population``: ``as_of``, ``user_key`` and ``feature_names(top_events)``,
    sorted by (as_of, user_key). Categorical columns are pandas ``category``; booleans 0/1."""
    table = _arrow(execute(conn, sql_text("model/features")))
    n = table.num_rows
    if not np.array_equal(table.column("rid").to_numpy(), np.arange(n, dtype=np.int32)):
        raise RuntimeError("model_population rows must be numbered 0 … n-1 in order")
    # top-event counts: a long (rid, event_index, count) table scattered into n × k
    long = _arrow(execute(conn, sql_text("model/features_top_events")))
    counts = np.zeros(n * len(top_events), dtype=np.float64)
    if long.num_rows:
        position = long.column("rid").to_numpy().astype(np.int64) * len(top_events) + (
            long.column("event_index").to_numpy() - 1
        )
        counts[position] = long.column("count_events").to_numpy()
    counts = counts.reshape(n, len(top_events))
    columns: dict[str, object] = {}
    for name in table.column_names:
        if name == "rid":
            continue
        column = table.column(name)
        if name in ("is_paid", "is_referred"):
            columns[name] = column.to_numpy(zero_copy_only=False).astype(np.int8)
        elif name in CATEGORICAL_FEATURES:
            columns[name] = pd.Categorical(column.to_numpy(zero_copy_only=False))
        elif name == "as_of":
            columns[name] = _dates(column)
        else:
            columns[name] = column.to_pandas()
    for i, name in enumerate(top_events):
        columns[top_event_feature(name)] = counts[:, i]
    frame = pd.DataFrame(columns, copy=False)
    return frame[KEY_COLUMNS + feature_names(top_events)]


def _arrow(result: duckdb.DuckDBPyConnection) -> pa.Table:
    table = result.arrow()
    return table.read_all() if hasattr(table, "read_all") else table


def _dates(column: pa.ChunkedArray) -> np.ndarray:
    """A DATE column as an object array of ``datetime.date`` (each distinct date converted once)."""
    codes = column.dictionary_encode().combine_chunks()
    dates = np.array(codes.dictionary.to_pylist(), dtype=object)
    return dates[codes.indices.to_numpy()]
