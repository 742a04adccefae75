"""Scoring's fast path: features at the last loaded date read from core.user_activity_events and
core.users must equal the point-in-time features computed from core.events, the compiled
boosters must predict what LightGBM predicts, and stale core tables must not be used."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from models.activity.features import (
    build_user_activity_events,
    feature_frame,
    latest_feature_frame,
    latest_inputs_problem,
    prepare_inputs,
    select_population,
)
from models.activity.registry import activity_root, load_version, save_version
from models.activity.score import score_users
from models.activity.synthetic import build_synthetic_events
from models.activity.train import train_activity_model
from pipelines.config import load_definitions
from pipelines.core.build import build_users
from pipelines.settings import load_settings
from pipelines.warehouse import prepare

START = dt.date(2026, 1, 5)
DAYS = 100
DATA_END = START + dt.timedelta(days=DAYS - 1)
BASE = load_definitions()
DEFINITIONS = BASE.model_copy(
    update={"model": BASE.model.model_copy(update={"min_positives": 200, "min_negatives": 200})}
)
TOP_EVENTS = list(DEFINITIONS.model.top_events)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(tmp_path_factory.mktemp("fast") / "warehouse.duckdb"))
    prepare(conn)
    build_synthetic_events(conn, users=3000, days=DAYS, start=START)
    build_users(conn, load_settings({}))
    build_user_activity_events(conn)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def version(warehouse, tmp_path_factory):
    root = activity_root(tmp_path_factory.mktemp("models"))
    save_version(root, train_activity_model(warehouse, DEFINITIONS))
    return root, load_version(root)


def point_in_time(conn: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    prepare_inputs(conn, as_of, DEFINITIONS.channel_for)
    select_population(conn, [as_of])
    return feature_frame(conn, TOP_EVENTS)


def by_user(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values("user_key").reset_index(drop=True)
    for name in ("signup_method", "channel", "platform", "plan"):
        frame[name] = frame[name].astype(str)
    return frame


def test_latest_features_equal_the_point_in_time_features(warehouse):
    assert latest_inputs_problem(warehouse, DATA_END) is None
    fast = by_user(latest_feature_frame(warehouse, DATA_END, TOP_EVENTS, DEFINITIONS.channel_for))
    slow = by_user(point_in_time(warehouse, DATA_END))
    assert len(fast) == 3000
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False, check_exact=True)
    # the synthetic data exercises every kind of feature: not a comparison of empty columns
    assert fast["is_paid"].sum() > 0 and fast["count_events_1d"].sum() > 0
    assert fast["signup_method"].nunique() == 6 and fast["channel"].nunique() >= 4


def test_fast_path_only_at_the_last_date_of_fresh_core_tables(warehouse):
    assert "is not the last date" in latest_inputs_problem(warehouse, DATA_END - dt.timedelta(1))
    warehouse.execute(
        "INSERT INTO core.events BY NAME SELECT * REPLACE ('late:' || event_id AS event_id) "
        "FROM core.events WHERE event_date = ? LIMIT 1",
        [DATA_END],
    )
    try:
        assert "not up to date" in latest_inputs_problem(warehouse, DATA_END)
    finally:
        warehouse.execute("DELETE FROM core.events WHERE event_id LIKE 'late:%'")
    assert latest_inputs_problem(warehouse, DATA_END) is None


def test_compiled_boosters_predict_what_lightgbm_predicts(warehouse, version):
    _, loaded = version
    model = loaded.model
    features = point_in_time(warehouse, DATA_END)
    model.compiled = None
    lightgbm = model.predict_chunked(features, chunk_rows=700)
    assert model.compile(loaded.path)
    compiled = model.predict_chunked(features, chunk_rows=700)
    for ours, theirs in zip(compiled, lightgbm, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)
    assert lightgbm[0].std() > 0.1  # predictions that differ between users


def test_scores_are_the_same_on_both_paths(warehouse, version):
    root, _ = version
    fast = score_users(warehouse, root, DEFINITIONS)
    assert fast.feature_source == "core.user_activity_events + core.users" and fast.compiled
    fast_scores = warehouse.execute("SELECT * FROM marts.activity_scores ORDER BY user_key").df()
    warehouse.execute("ALTER TABLE core.user_activity_events RENAME TO user_activity_aside")
    try:
        slow = score_users(warehouse, root, DEFINITIONS)
    finally:
        warehouse.execute("ALTER TABLE core.user_activity_aside RENAME TO user_activity_events")
    assert slow.feature_source.startswith("core.events (point in time")
    slow_scores = warehouse.execute("SELECT * FROM marts.activity_scores ORDER BY user_key").df()
    assert fast.users == slow.users == 3000
    pd.testing.assert_frame_equal(fast_scores, slow_scores, check_exact=True)


def test_training_inputs_are_the_same_from_either_source(warehouse):
    as_of = DATA_END - dt.timedelta(days=30)
    from_table = by_user(point_in_time(warehouse, as_of))
    warehouse.execute("ALTER TABLE core.user_activity_events RENAME TO user_activity_aside")
    try:
        from_events = by_user(point_in_time(warehouse, as_of))
    finally:
        warehouse.execute("ALTER TABLE core.user_activity_aside RENAME TO user_activity_events")
    assert len(from_table) > 2000
    pd.testing.assert_frame_equal(from_table, from_events, check_dtype=False, check_exact=True)
