"""Training, registry and scoring of the activity model on synthetic core.events
(``models.activity.synthetic``): the split, the bad-input errors, atomic versions,
the feature-list guard and the scores mart."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from models.activity import registry as registry_module
from models.activity.errors import (
    AsOfError,
    FeatureMismatchError,
    InsufficientDataError,
    ModelVersionNotFoundError,
)
from models.activity.registry import (
    activity_root,
    list_versions,
    load_version,
    resolve_version,
    save_version,
)
from models.activity.score import build_activity_by_segment, publish_evaluation, score_users
from models.activity.synthetic import build_synthetic_events
from models.activity.train import plan_snapshots, train_activity_model
from pipelines.config import Definitions, load_definitions
from pipelines.warehouse import prepare

START = dt.date(2026, 1, 5)
DAYS = 100
DATA_END = START + dt.timedelta(days=DAYS - 1)  # 2026-04-14


def definitions_with(**model) -> Definitions:
    base = load_definitions()
    return base.model_copy(update={"model": base.model.model_copy(update=model)})


SMALL = definitions_with(min_positives=200, min_negatives=200)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(tmp_path_factory.mktemp("synthetic") / "warehouse.duckdb"))
    prepare(conn)
    build_synthetic_events(conn, users=6000, days=DAYS, start=START)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def trained(synthetic, tmp_path_factory):
    root = activity_root(tmp_path_factory.mktemp("models"))
    result = train_activity_model(synthetic, SMALL)
    return root, save_version(root, result, now=dt.datetime(2026, 4, 15, 9, 30, tzinfo=dt.UTC))


def test_snapshot_plan_is_time_based_without_overlap():
    plan = plan_snapshots(START, DATA_END, horizon_days=28, training_snapshots=4, spacing_days=14)
    # validation = data end − H; latest training = validation − H, then every 14 days back
    # while a week of history remains (2026-01-12 or later)
    assert plan.validation == dt.date(2026, 3, 17)
    assert plan.training == [dt.date(2026, 1, 20), dt.date(2026, 2, 3), dt.date(2026, 2, 17)]
    assert plan.holdout_snapshot == dt.date(2026, 2, 17)
    assert plan.training[-1] + dt.timedelta(days=28) <= plan.validation


def test_too_little_history_is_a_clear_error():
    with pytest.raises(InsufficientDataError, match="needs at least 63 days"):
        plan_snapshots(
            START,
            START + dt.timedelta(days=50),
            horizon_days=28,
            training_snapshots=4,
            spacing_days=14,
        )


def test_too_few_positives_is_a_clear_error(synthetic):
    with pytest.raises(InsufficientDataError, match=r"at least 1,000 of each are needed"):
        train_activity_model(synthetic, definitions_with(min_positives=1000, min_negatives=50_000))


def test_as_of_beyond_the_data_is_a_clear_error(synthetic):
    with pytest.raises(AsOfError, match="after the last loaded date 2026-04-14"):
        train_activity_model(synthetic, SMALL, as_of=dt.date(2026, 5, 1))


def test_training_writes_a_complete_version(trained):
    root, version = trained
    assert version.version == "20260415T093000Z"
    assert list_versions(root) == ["20260415T093000Z"]
    files = sorted(p.name for p in version.path.iterdir())
    assert files == [
        "active_days.lgb.txt",
        "calibration.json",
        "compiled",
        "evaluation.png",
        "features.json",
        "metrics.json",
        "model_card.md",
        "p_active.lgb.txt",
        "training_window.json",
    ]
    compiled = sorted(p.name for p in (version.path / "compiled").iterdir())
    assert [name.split("-")[0] for name in compiled] == ["active_days_lgb", "p_active_lgb"]
    assert all(name.endswith(".so") for name in compiled)
    window = json.loads((version.path / "training_window.json").read_text())
    assert window["validation_as_of"] == "2026-03-17"
    assert window["training_as_of"] == ["2026-01-20", "2026-02-03", "2026-02-17"]
    metrics = json.loads((version.path / "metrics.json").read_text())
    assert set(metrics["classification"]) == {
        "lightgbm",
        "lightgbm_uncalibrated",
        "logistic_regression",
        "recency_frequency_rule",
    }
    assert metrics["classification"]["lightgbm"]["roc_auc"] > 0.85
    assert [r["decile"] for r in metrics["lift_table"]] == list(range(1, 11))
    card = (version.path / "model_card.md").read_text()
    assert "| Recency × frequency rule |" in card and "Calibration:" in card


def test_scores_every_user_seen_by_as_of(synthetic, trained):
    root, version = trained
    run = score_users(synthetic, root, SMALL, as_of=dt.date(2026, 3, 1))
    assert run.version == version.version
    seen = synthetic.execute(
        "SELECT count(DISTINCT user_key) FROM core.events WHERE is_active AND event_date <= DATE '2026-03-01'"
    ).fetchone()[0]
    rows, ranks_ok, pct_top, pct_bottom, ordered = synthetic.execute(
        """
        SELECT count(*),
               bool_and(score_rank BETWEEN 1 AND (SELECT count(*) FROM marts.activity_scores)),
               max(score_percentile), min(score_percentile),
               bool_and(p_active <= prev_p OR prev_p IS NULL)
        FROM (SELECT *, lag(p_active) OVER (ORDER BY score_rank) AS prev_p FROM marts.activity_scores)
        """
    ).fetchone()
    assert rows == seen == run.users
    assert ranks_ok and ordered and pct_top == 100.0 and pct_bottom == pytest.approx(100.0 / rows)
    assert synthetic.execute(
        "SELECT DISTINCT as_of, model_version FROM marts.activity_scores"
    ).fetchall() == [(dt.date(2026, 3, 1), version.version)]
    build_activity_by_segment(synthetic)
    totals = synthetic.execute(
        "SELECT segment_type, sum(users) FROM marts.activity_by_segment GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert {users for _, users in totals} == {rows}
    counts = publish_evaluation(synthetic, load_version(root))
    assert counts == {
        "model_lift": 10,
        "model_calibration": counts["model_calibration"],
        "model_metrics": 36,
        "model_feature_importance": 2 * 42,
    }
    assert (
        synthetic.execute(
            "SELECT count(*) FROM marts.model_lift WHERE model_version = ?", [version.version]
        ).fetchone()[0]
        == 10
    )


def test_missing_version_is_a_clear_error(trained, tmp_path):
    root, _ = trained
    with pytest.raises(ModelVersionNotFoundError, match="'20990101T000000Z' not found"):
        load_version(root, "20990101T000000Z")
    with pytest.raises(ModelVersionNotFoundError, match="no activity model"):
        resolve_version(tmp_path / "empty")


def test_feature_list_mismatch_fails_before_writing(synthetic, trained):
    root, _ = trained
    score_users(synthetic, root, SMALL)
    before = synthetic.execute(
        "SELECT count(*), any_value(as_of) FROM marts.activity_scores"
    ).fetchone()
    changed = definitions_with(top_events=["Summary Created", "Paper Uploaded"])
    with pytest.raises(FeatureMismatchError, match=r"missing \['count_28d_paper_viewed'"):
        score_users(synthetic, root, changed, as_of=dt.date(2026, 3, 1))
    assert (
        synthetic.execute("SELECT count(*), any_value(as_of) FROM marts.activity_scores").fetchone()
        == before
    )


def test_a_failed_save_leaves_no_partial_version(trained, tmp_path, monkeypatch):
    _, version = trained
    root = tmp_path / "activity"

    def broken_card(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(registry_module, "model_card", broken_card)
    result = type(
        "Result",
        (),
        {
            "model": version.model,
            "metrics": version.metrics,
            "training_window": version.training_window,
            "evaluation_png": b"",
        },
    )()
    with pytest.raises(RuntimeError, match="disk full"):
        save_version(root, result)
    assert list(Path(root).iterdir()) == []
