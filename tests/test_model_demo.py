"""The activity model on a demo warehouse (the demo generator → real ingestion and core
builds → the model assets through Dagster): the assets ran and passed their checks, the
registry holds a version whose model card compares LightGBM with the baselines, and the
marts are in place. Same size and seed as the shared ``demo_settings`` fixture, built
here with only the core and model steps so this file does not depend on other domains."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import dagster as dg
import pytest

from models.activity.registry import activity_root, list_versions, load_version
from pipelines.config import load_definitions
from pipelines.defs.model import defs as model_defs
from pipelines.defs.model.assets import _beats_baselines
from pipelines.generate import generate_demo
from pipelines.resources import warehouse_resource
from pipelines.settings import load_settings
from pipelines.warehouse import connect
from tests.conftest import DEMO_DAYS, DEMO_START, DEMO_USERS, build_core


@pytest.fixture(scope="module")
def model_demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("model_demo") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETAINLY_HOME", str(home))
        mp.setenv("RETAINLY_TIMEZONE", "Asia/Seoul")
        for key in ("RETAINLY_AS_OF", "RETAINLY_SERVING_URL"):
            mp.delenv(key, raising=False)
        settings = load_settings()
        generate_demo(
            settings.events_dir,
            users=DEMO_USERS,
            days=DEMO_DAYS,
            seed=11,
            start=dt.date.fromisoformat(DEMO_START),
            timezone=settings.timezone,
        )
        conn = connect(settings.warehouse_path)
        build_core(conn, settings, load_definitions(home=settings.home))
        conn.close()
        result = dg.materialize(
            [*model_defs.assets], resources={"duckdb": warehouse_resource(settings)}
        )
        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        yield settings, checks


@pytest.fixture(scope="module")
def demo_version(model_demo):
    settings, _ = model_demo
    return load_version(activity_root(settings.models_dir))


def test_the_assets_passed_their_checks(model_demo):
    _, checks = model_demo
    assert checks == {
        "user_key_unique_not_null": True,
        "scores_in_range": True,
        "ranks_are_1_to_n": True,
        "segments_sum_to_all": True,
        "trained": True,
        "beats_baselines": checks["beats_baselines"],  # a warning, reported not enforced
    }


def test_one_version_with_a_model_card(model_demo, demo_version):
    assert list_versions(activity_root(model_demo[0].models_dir)) == [demo_version.version]
    card = (demo_version.path / "model_card.md").read_text()
    assert "| LightGBM (calibrated p_active; Poisson days) |" in card
    assert "| Logistic / Poisson regression (scikit-learn) |" in card


def test_lightgbm_against_the_baselines_on_demo_validation(demo_version):
    """Floors, not exact numbers (validation snapshot 2026-04-06, ~2k users). LightGBM
    clearly beats the recency/frequency rule; against logistic regression on log
    features it is a little ahead on ROC-AUC (0.895 vs 0.893) and level on lift (the
    demo's activity is close to log-linear in recency and frequency), and better on
    calibration and on expected active days."""
    scores = demo_version.metrics["classification"]
    lgbm, linear, rule = (
        scores["lightgbm"],
        scores["logistic_regression"],
        scores["recency_frequency_rule"],
    )
    assert lgbm["roc_auc"] >= 0.86
    assert lgbm["roc_auc"] > rule["roc_auc"]
    assert lgbm["roc_auc"] >= linear["roc_auc"] - 0.005
    assert lgbm["top_decile_lift"] >= 2.8
    assert lgbm["top_decile_lift"] >= max(rule["top_decile_lift"], linear["top_decile_lift"]) - 0.1
    assert lgbm["pr_auc"] > rule["pr_auc"]
    assert lgbm["brier"] < min(rule["brier"], linear["brier"])
    days = demo_version.metrics["regression"]
    assert days["lightgbm"]["poisson_deviance"] < min(
        days["logistic_regression"]["poisson_deviance"],
        days["recency_frequency_rule"]["poisson_deviance"],
    )


def test_scores_and_evaluation_marts(model_demo, demo_version):
    conn = connect(model_demo[0].warehouse_path)
    try:
        users, versions, as_of = conn.execute(
            "SELECT count(*), count(DISTINCT model_version), max(as_of) FROM marts.activity_scores"
        ).fetchone()
        seen = conn.execute(
            "SELECT count(*) FROM core.users WHERE first_seen_date <= ? AND last_active_date IS NOT NULL",
            [as_of],
        ).fetchone()[0]
        last_loaded = conn.execute(
            "SELECT max(event_date) FROM core.events WHERE is_active"
        ).fetchone()[0]
        assert (users, versions, as_of) == (seen, 1, last_loaded)
        channels = conn.execute(
            "SELECT count(*), sum(users) FROM marts.activity_by_segment WHERE segment_type = 'channel'"
        ).fetchone()
        assert channels[0] >= 3 and channels[1] == users
        for table, rows in (
            ("model_lift", 10),
            ("model_calibration", None),
            ("model_feature_importance", None),
        ):
            count = conn.execute(
                f"SELECT count(*) FROM marts.{table} WHERE model_version = ?",
                [demo_version.version],
            ).fetchone()[0]
            assert count == rows if rows else count > 0
    finally:
        conn.close()


def _version(lgbm: tuple[float, float], logistic: tuple[float, float], rule: tuple[float, float]):
    scores = {
        name: {"roc_auc": auc, "top_decile_lift": lift}
        for name, (auc, lift) in (
            ("lightgbm", lgbm),
            ("logistic_regression", logistic),
            ("recency_frequency_rule", rule),
        )
    }
    return SimpleNamespace(metrics={"classification": scores})


@pytest.mark.parametrize(
    ("lgbm", "logistic", "passed"),
    [
        ((0.8927, 3.6713), (0.8901, 3.6713), True),  # lift tied at 1 / base rate (demo, 12-04)
        ((0.8927, 3.70), (0.8901, 3.60), True),
        ((0.8901, 3.70), (0.8901, 3.60), False),  # ROC-AUC only equal
        ((0.8927, 3.59), (0.8901, 3.60), False),  # lift below
    ],
)
def test_beats_baselines_check(lgbm, logistic, passed):
    result, margins = _beats_baselines(_version(lgbm, logistic, (0.8867, 3.6114)))
    assert result is passed
    assert margins["roc_auc_margin"] == pytest.approx(lgbm[0] - max(logistic[0], 0.8867))


def test_the_empty_scores_table_has_the_scored_tables_columns(model_demo):
    """activity_scores_empty.sql (no version trained yet) keeps the columns and types that
    scoring writes, so what reads the mart behaves the same before the first model."""
    from pipelines.warehouse import run_sql

    settings, _ = model_demo
    with connect(settings.warehouse_path, read_only=True) as conn:
        scored = conn.execute("DESCRIBE marts.activity_scores").fetchall()
    empty = connect(":memory:")
    empty.execute("CREATE SCHEMA IF NOT EXISTS marts")
    run_sql(empty, "model/activity_scores_empty")
    assert empty.execute("DESCRIBE marts.activity_scores").fetchall() == scored
