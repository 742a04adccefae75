"""Point-in-time features per (user_key, as_of), computed in DuckDB for all users at once.

``prepare_inputs`` builds compact per-user-day tables from ``core.events`` (once per
connection and data end), ``select_population`` / ``select_populations`` pick the
(as_of, user_key) rows of one or more snapshots (training, validation and scoring dates
share one population), ``feature_frame`` computes all their features in one pass
(``sql/model/feature_base.sql`` → ``features.sql`` + ``features_top_events.sql``).
``latest_feature_frame`` computes the same features at the last loaded date from the core
tables the pipeline keeps anyway (``core.user_activity_events``, ``core.users``): scoring's
fast path, about one tenth of the work of reading ``core.events``. Every input is cut at
the end of the local day ``as_of``: adding later events changes no feature
(``tests/test_model_features.py`` proves it).
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
    "active_days_prev_28d",
    "trend_active_days_28d",
    "active_weeks_28d",
    "last_gap_days",
    "tenure_days",
    "active_days_lifetime",
    "share_days_active",
    "mean_days_between_active",
    "recency_over_mean_gap",
    "events_per_active_day_28d",
    "events_per_active_day_lifetime",
    "share_days_active_span",
    "days_since_signup",
    "days_since_first_paid",
    "is_paid",
    "is_referred",
]
CATEGORICAL_FEATURES = ["signup_method", "channel", "platform", "plan"]
# count_<N>d_<event>: the N days ending at as_of (features_top_events.sql); the widest
# window bounds the days read from core.events
TOP_EVENT_WINDOWS_DAYS = (28, 7)
TOP_EVENT_WINDOW_DAYS = max(TOP_EVENT_WINDOWS_DAYS)


def top_event_feature(event_name: str, window_days: int = 28) -> str:
    """Column name of a top event's N-day count: ``Summary Created`` → ``count_28d_summary_created``."""
    slug = re.sub(r"[^a-z0-9]+", "_", event_name.lower()).strip("_")
    if not slug:
        raise ModelError(
            f"model.top_events: {event_name!r} has no letters or digits to name a feature"
        )
    return f"count_{window_days}d_{slug}"


def top_event_features(top_events: Sequence[str]) -> list[str]:
    """The top-event count columns, window by window (28 days, then 7), events in order."""
    return [top_event_feature(e, w) for w in TOP_EVENT_WINDOWS_DAYS for e in top_events]


def feature_names(top_events: Sequence[str]) -> list[str]:
    """The model's feature columns, in order, for a ``top_events`` configuration."""
    names = top_event_features(top_events)
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
    channel_for: Callable[[str | None, str | None], str],
) -> None:
    """Build the model's temp input tables from ``core.events`` up to ``data_end``.

    ``channel_for`` maps first-touch (source, medium) to a channel: the definitions'
    channel rules (``Definitions.channel_for``), applied to the few distinct pairs.
    """
    drop_inputs(conn)
    source = "activity" if activity_events_problem(conn) is None else "events"
    run_sql(conn, f"model/user_days_from_{source}", {"data_end": data_end})
    run_sql(conn, "model/inputs", {"data_end": data_end})
    _channel_map(conn, "model_user_milestones", channel_for)


def drop_inputs(conn: duckdb.DuckDBPyConnection) -> None:
    """Free the model's temp tables (``sql/model/drop_inputs.sql``)."""
    run_sql(conn, "model/drop_inputs")


def _channel_map(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    channel_for: Callable[[str | None, str | None], str],
) -> None:
    """``model_channel_map``: the channel of each distinct first-touch pair of ``source``."""
    pairs = conn.execute(f"SELECT DISTINCT first_utm_source, first_utm_medium FROM {source}").df()
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


def build_user_activity_events(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """``core.user_activity_events`` (``sql/model/user_activity_events.sql``), the per-user
    activity that training and scoring read instead of aggregating ``core.events``; returns
    users and user-days for asset metadata."""
    run_sql(conn, "model/user_activity_events")
    users, user_days = conn.execute(
        "SELECT count(*), coalesce(sum(len(dates)), 0) FROM core.user_activity_events"
    ).fetchone()
    return {"users": users, "user_days": int(user_days)}


def _has_core_column(conn: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """``core.<table>`` exists with ``column`` (tables built by an older version may lack it)."""
    return bool(
        conn.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'core' AND table_name = ? AND column_name = ?",
            [table, column],
        ).fetchone()[0]
    )


def _active_events(conn: duckdb.DuckDBPyConnection) -> int:
    return conn.execute("SELECT count(*) FROM core.events WHERE is_active").fetchone()[0]


def activity_events_problem(
    conn: duckdb.DuckDBPyConnection, events: int | None = None
) -> str | None:
    """Why ``core.user_activity_events`` cannot stand in for ``core.events``' activity, or
    None when it holds the same activity events (built from the current ``core.events``).
    ``events``: the number of activity events in ``core.events``, if already counted."""
    if not _has_core_column(conn, "user_activity_events", "event_counts"):
        return "core.user_activity_events is missing"
    events = _active_events(conn) if events is None else events
    activity_events = conn.execute(
        "SELECT coalesce(sum(list_sum(event_counts)), 0) FROM core.user_activity_events"
    ).fetchone()[0]
    if events != activity_events:
        return (
            f"core.user_activity_events ({activity_events} activity events) is not up to date "
            f"with core.events ({events}): rebuild core/user_activity_events"
        )
    return None


def latest_inputs_problem(conn: duckdb.DuckDBPyConnection, as_of: dt.date) -> str | None:
    """Why the features at ``as_of`` cannot be read from ``core.user_activity_events`` and
    ``core.users`` (``latest_feature_frame``), or None when they can: ``as_of`` must be the
    last date in ``core.events`` and both tables must have been built from the current
    ``core.events`` (same activity events, same users), else they would describe other data."""
    events = _active_events(conn)
    problem = activity_events_problem(conn, events)
    if problem is not None:
        return problem
    if not _has_core_column(conn, "users", "first_paid_date"):
        return "core.users is missing or was built by an older version"
    last_event_date = conn.execute("SELECT max(event_date) FROM core.events").fetchone()[0]
    if as_of != last_event_date:
        return f"as_of {as_of} is not the last date in core.events ({last_event_date})"
    activity_users, activity_end = conn.execute(
        "SELECT count(*), max(dates[-1]) FROM core.user_activity_events"
    ).fetchone()
    user_events, active_users = conn.execute(
        "SELECT sum(count_active_events), count(*) FILTER (WHERE count_active_events > 0) "
        "FROM core.users"
    ).fetchone()
    if user_events != events or activity_end != as_of:
        return (
            f"core.users ({user_events} activity events) is not up to date with core.events "
            f"({events}): rebuild core/users"
        )
    if activity_users != active_users:
        return "core.user_activity_events and core.users disagree on the number of active users"
    return None


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
    return select_populations(conn, [(as_of_dates, max_rows)])


def select_populations(
    conn: duckdb.DuckDBPyConnection,
    groups: Sequence[tuple[Sequence[dt.date], int | None]],
) -> int:
    """One ``model_population`` for several groups of snapshots, each ``(as_of_dates,
    max_rows)`` sampled on its own to about ``max_rows`` rows (``None``: every user), so
    that one feature pass serves e.g. training, validation and scoring. Returns the rows."""
    dates: list[dt.date] = []
    rates: list[int] = []
    for as_of_dates, max_rows in groups:
        total = population_size(conn, as_of_dates)
        per_million = (
            1_000_000 if not max_rows or total <= max_rows else int(1_000_000 * max_rows / total)
        )
        for as_of in as_of_dates:
            if as_of in dates:
                raise ValueError(f"snapshot {as_of} is in more than one population group")
            dates.append(as_of)
            rates.append(per_million)
    run_sql(conn, "model/population", {"as_of_dates": dates, "sample_per_million": rates})
    return conn.execute("SELECT count(*) FROM model_population").fetchone()[0]


def feature_frame(conn: duckdb.DuckDBPyConnection, top_events: Sequence[str]) -> pd.DataFrame:
    """Features of ``model_population``: ``as_of``, ``user_key`` and ``feature_names(top_events)``,
    sorted by (as_of, user_key). Categorical columns are pandas ``category``; booleans 0/1."""
    run_sql(conn, "model/feature_base")
    first, last, rows = conn.execute(
        "SELECT min(as_of), max(as_of), count(*) FROM model_population"
    ).fetchone()
    return _assemble(
        conn,
        rows,
        top_events,
        "model/features_top_events",
        {
            # None for an empty population, when the query does not run
            "window_from": first and first - dt.timedelta(days=TOP_EVENT_WINDOW_DAYS),
            "window_to": last,
        },
    )


def latest_feature_frame(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    top_events: Sequence[str],
    channel_for: Callable[[str | None, str | None], str],
) -> pd.DataFrame:
    """The features of every user at the last loaded date ``as_of``, read from
    ``core.user_activity_events`` and ``core.users`` instead of ``core.events`` (scoring's fast
    path; call only when ``latest_inputs_problem`` is None). Same columns and values as
    ``feature_frame`` for a population of that one snapshot; rows in
    ``core.user_activity_events`` order."""
    drop_inputs(conn)
    run_sql(conn, "model/feature_base_latest", {"as_of": as_of})
    _channel_map(conn, "core.users", channel_for)
    rows = conn.execute("SELECT count(*) FROM core.user_activity_events").fetchone()[0]
    return _assemble(conn, rows, top_events, "model/features_top_events_latest", {"as_of": as_of})


def _assemble(
    conn: duckdb.DuckDBPyConnection,
    rows: int,
    top_events: Sequence[str],
    top_events_sql: str,
    top_events_params: dict,
) -> pd.DataFrame:
    """``features.sql`` over ``model_feature_base`` (``rows`` rows) plus the top-event
    counts, as a frame."""
    table = _arrow(execute(conn, sql_text("model/features")), rows)
    n = table.num_rows
    if not np.array_equal(table.column("rid").to_numpy(), np.arange(n, dtype=np.int64)):
        raise RuntimeError("model_feature_base rows must be numbered 0 … n-1 in order")
    # top-event counts: a long (rid, event_index, count_28d, count_7d) table scattered into
    # one n × k block per window
    k = len(top_events)
    top_counts: dict[str, np.ndarray] = {}
    long = (
        _arrow(
            execute(
                conn,
                sql_text(top_events_sql),
                {"top_events": list(top_events), **top_events_params},
            )
        )
        if n and k
        else None
    )
    for window in TOP_EVENT_WINDOWS_DAYS:
        counts = np.zeros(n * k, dtype=np.float64)
        if long is not None and long.num_rows:
            position = long.column("rid").to_numpy().astype(np.int64) * k + (
                long.column("event_index").to_numpy() - 1
            )
            counts[position] = long.column(f"count_{window}d").to_numpy()
        counts = counts.reshape(n, k)
        for i, name in enumerate(top_events):
            top_counts[top_event_feature(name, window)] = counts[:, i]
    columns: dict[str, object] = {}
    for name in table.column_names:
        if name == "rid":
            continue
        column = table.column(name)
        if name in ("is_paid", "is_referred"):
            columns[name] = column.to_numpy(zero_copy_only=False).astype(np.int8)
        elif name in CATEGORICAL_FEATURES:
            columns[name] = _categorical(column)
        elif name == "as_of":
            columns[name] = _dates(column)
        else:
            columns[name] = column.to_pandas()
    columns.update(top_counts)
    # built in the final column order: selecting columns afterwards would copy every one
    return pd.DataFrame(
        {name: columns[name] for name in KEY_COLUMNS + feature_names(top_events)}, copy=False
    )


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A string column as a pandas categorical with sorted categories, through Arrow's
    dictionary encoding (a Python string per row would take 10× longer)."""
    encoded = column.dictionary_encode().combine_chunks()
    codes = encoded.indices.fill_null(-1).to_numpy()
    categorical = pd.Categorical.from_codes(codes, categories=encoded.dictionary.to_pylist())
    return categorical.reorder_categories(sorted(categorical.categories))


def _arrow(result: duckdb.DuckDBPyConnection, rows: int = 1_000_000) -> pa.Table:
    """The result as an Arrow table in batches of ``rows``. One batch for the whole result
    lets numeric columns without NULLs become numpy and pandas columns without a copy
    (several batches would be concatenated); DuckDB allocates ``rows`` per column."""
    return result.arrow(rows_per_batch=max(rows, 1)).read_all()


def _dates(column: pa.ChunkedArray) -> np.ndarray:
    """A DATE column as an object array of ``datetime.date`` (each distinct date converted once)."""
    codes = column.dictionary_encode().combine_chunks()
    dates = np.array(codes.dictionary.to_pylist(), dtype=object)
    return dates[codes.indices.to_numpy()]
