"""Activity model assets: train a registry version, publish its evaluation, score users.

Thin wrappers: the logic is in ``models.activity``; these only open the warehouse,
read settings and definitions, and turn results into Dagster metadata and checks.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from models.activity import card
from models.activity.errors import InsufficientDataError
from models.activity.evaluate import png_markdown
from models.activity.features import build_user_activity_events
from models.activity.registry import (
    ModelVersion,
    activity_root,
    list_versions,
    load_version,
    save_version,
)
from models.activity.score import (
    EVALUATION_TABLES,
    build_activity_by_segment,
    clear_scores,
    ensure_evaluation_tables,
    publish_evaluation,
    score_users,
)
from models.activity.train import train_activity_model
from pipelines.config import load_definitions
from pipelines.defs.checks import none_counted
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.settings import load_settings
from pipelines.warehouse import table_preview

ACTIVITY_MODEL = dg.AssetKey(["model", "activity_model"])
SCORES = dg.AssetKey(["marts", "activity_scores"])
USER_ACTIVITY_EVENTS = dg.AssetKey(["core", "user_activity_events"])
BY_SEGMENT = dg.AssetKey(["marts", "activity_by_segment"])


class ScoringConfig(dg.Config):
    model_version: str | None = None
    """Registry version to score with (a directory under $RETAINLY_HOME/models/activity); default latest."""


def _beats_baselines(version: ModelVersion) -> tuple[bool, dict[str, float]]:
    """ROC-AUC above both baselines and top-decile lift not below either: the lift ties
    whenever every model's top decile is all active (it is then 1 / base rate for each)."""
    scores = version.metrics["classification"]
    lgbm = scores["lightgbm"]
    baselines = [scores["logistic_regression"], scores["recency_frequency_rule"]]
    margins = {
        "roc_auc_margin": lgbm["roc_auc"] - max(b["roc_auc"] for b in baselines),
        "top_decile_lift_margin": lgbm["top_decile_lift"]
        - max(b["top_decile_lift"] for b in baselines),
    }
    return margins["roc_auc_margin"] > 0 and margins["top_decile_lift_margin"] >= 0, margins


@dg.asset(
    key=ACTIVITY_MODEL,
    # core.user_activity_events: the per-user-day activity counts, unnested instead of
    # aggregating core.events again (models.activity.features.prepare_inputs)
    deps=[["core", "events"], ["core", "users"], USER_ACTIVITY_EVENTS],
    group_name="model",
    pool=DUCKDB_POOL,
    kinds={"lightgbm", "duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            "trained",
            asset=ACTIVITY_MODEL,
            description="A version was trained on the current data; a warning while there are too few users or days (model.min_positives / min_negatives, horizon_days).",
        ),
        dg.AssetCheckSpec("beats_baselines", asset=ACTIVITY_MODEL),
    ],
)
def activity_model(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """A new registry version: LightGBM p_active and active days per (user, as_of), trained on past snapshots of core.events."""
    settings = load_settings()
    definitions = load_definitions(home=settings.home)
    root = activity_root(settings.models_dir)
    with open_warehouse(duckdb) as conn:
        try:
            result = train_activity_model(conn, definitions, settings.as_of)
        except InsufficientDataError as exc:
            # Like GA4's predictive metrics: a product too small for a model still gets
            # every other asset (metrics, serving, dashboards); the run warns instead of failing.
            return _not_trained(str(exc), list_versions(root))
    version = save_version(root, result)
    metrics, window = version.metrics, version.training_window
    lgbm = metrics["classification"]["lightgbm"]
    passed, margins = _beats_baselines(version)
    return dg.MaterializeResult(
        metadata={
            "version": version.version,
            "path": dg.MetadataValue.path(str(version.path)),
            "validation_as_of": metrics["validation_as_of"],
            "training_as_of": ", ".join(window["training_as_of"]),
            "training_rows": window["rows"]["training"],
            "validation_rows": window["rows"]["validation"],
            "roc_auc": lgbm["roc_auc"],
            "pr_auc": lgbm["pr_auc"],
            "top_decile_lift": lgbm["top_decile_lift"],
            "brier": lgbm["brier"],
            "calibration": card.calibration_sentence(metrics["calibration"]),
            "baseline_comparison": dg.MetadataValue.md(card.classification_table(metrics)),
            "active_days_comparison": dg.MetadataValue.md(card.regression_table(metrics)),
            "lift_and_calibration": dg.MetadataValue.md(
                png_markdown(result.evaluation_png, "lift and calibration")
            ),
            "calibration_table": dg.MetadataValue.md(
                card.calibration_markdown(metrics["calibration_table"])
            ),
            "feature_importance": dg.MetadataValue.md(
                card.importance_markdown(metrics["feature_importance"])
            ),
            "segments_by_channel": dg.MetadataValue.md(
                card.segments_markdown(metrics["segments"], "channel")
            ),
            "timings": dg.MetadataValue.json(window["timings"]),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="trained", passed=True, metadata={"version": version.version}
            ),
            dg.AssetCheckResult(
                check_name="beats_baselines",
                passed=passed,
                severity=dg.AssetCheckSeverity.WARN,
                metadata=margins,
                description="LightGBM's validation ROC-AUC exceeds both baselines' and its top-decile lift is not below theirs",
            ),
        ],
    )


def _not_trained(reason: str, versions: list[str]) -> dg.MaterializeResult:
    """The model asset's result when the data cannot train a version yet."""
    in_use = versions[-1] if versions else None
    return dg.MaterializeResult(
        metadata={
            "trained": False,
            "reason": reason,
            "scoring_version": in_use or "none yet: marts.activity_scores stays empty",
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="trained",
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description=reason,
            ),
            dg.AssetCheckResult(
                check_name="beats_baselines",
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description="no version was trained in this run",
            ),
        ],
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["marts", name], deps=[ACTIVITY_MODEL], group_name="model", kinds={"duckdb"})
        for name in EVALUATION_TABLES
    ],
    pool=DUCKDB_POOL,
)
def model_evaluation(duckdb: DuckDBResource):
    """Per model version: validation lift by decile, calibration bins, metrics vs baselines, gain importance."""
    settings = load_settings()
    root = activity_root(settings.models_dir)
    version = load_version(root) if list_versions(root) else None
    with open_warehouse(duckdb) as conn:
        counts = publish_evaluation(conn, version) if version else ensure_evaluation_tables(conn)
    for name in EVALUATION_TABLES:
        yield dg.MaterializeResult(
            asset_key=["marts", name],
            metadata={
                "model_version": version.version if version else "none yet",
                "rows": counts[name],
            },
        )


@dg.asset(
    key=USER_ACTIVITY_EVENTS,
    deps=[["core", "events"]],
    group_name="model",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
)
def user_activity_events(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per active user: sorted active dates and activity events per date, what training and scoring read instead of aggregating core.events."""
    with open_warehouse(duckdb) as conn:
        counts = build_user_activity_events(conn)
    return dg.MaterializeResult(metadata=counts)


@dg.asset(
    key=SCORES,
    # scoring at the last loaded date reads its features from these two
    # (models.activity.features.latest_feature_frame) instead of core.events
    deps=[ACTIVITY_MODEL, USER_ACTIVITY_EVENTS, ["core", "users"]],
    group_name="model",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec("user_key_unique_not_null", asset=SCORES, blocking=True),
        dg.AssetCheckSpec("scores_in_range", asset=SCORES, blocking=True),
        dg.AssetCheckSpec("ranks_are_1_to_n", asset=SCORES, blocking=True),
    ],
)
def activity_scores(config: ScoringConfig, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per user first seen by as_of: p_active, expected active days, rank, from a registry version."""
    settings = load_settings()
    definitions = load_definitions(home=settings.home)
    root = activity_root(settings.models_dir)
    with open_warehouse(duckdb) as conn:
        if config.model_version is None and not list_versions(root):
            clear_scores(conn)
            run = None
        else:
            run = score_users(conn, root, definitions, settings.as_of, config.model_version)
        duplicated, null_keys, out_of_range, rank_gaps = conn.execute(
            """
            SELECT
                count(*) - count(DISTINCT user_key),
                count(*) FILTER (WHERE user_key IS NULL),
                count(*) FILTER (WHERE NOT (p_active BETWEEN 0 AND 1) OR expected_active_days < 0
                    OR p_active IS NULL OR expected_active_days IS NULL),
                count(*) - count(DISTINCT score_rank) + coalesce(max(score_rank), 0) - count(*)
            FROM marts.activity_scores
            """
        ).fetchone()
        preview = table_preview(conn, "marts.activity_scores")
    checks = [
        none_counted("user_key_unique_not_null", duplicated=duplicated, null_keys=null_keys),
        none_counted("scores_in_range", rows=out_of_range),
        none_counted("ranks_are_1_to_n", gaps=rank_gaps),
    ]
    if run is None:
        return dg.MaterializeResult(
            metadata={"model_version": "none yet (see model/activity_model)", "users": 0},
            check_results=checks,
        )
    return dg.MaterializeResult(
        metadata={
            "model_version": run.version,
            "as_of": run.as_of.isoformat(),
            "users": run.users,
            "p_active_mean": run.p_active_mean,
            "expected_active_days_mean": run.expected_active_days_mean,
            "feature_source": run.feature_source,
            "compiled_boosters": run.compiled,
            "timings_seconds": dg.MetadataValue.json(run.timings),
            "preview": dg.MetadataValue.md(preview),
        },
        check_results=checks,
    )


@dg.asset(
    key=BY_SEGMENT,
    deps=[SCORES],
    group_name="model",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec("segments_sum_to_all", asset=BY_SEGMENT, blocking=True)],
)
def activity_by_segment(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Average predicted activity per channel, signup method, platform and plan, from marts.activity_scores."""
    with open_warehouse(duckdb) as conn:
        rows = build_activity_by_segment(conn)
        mismatched = conn.execute(
            """
            SELECT count(*) FROM (
                SELECT segment_type, sum(users) AS users
                FROM marts.activity_by_segment GROUP BY segment_type
            ) AS s
            WHERE users <> (SELECT users FROM marts.activity_by_segment WHERE segment_type = 'all')
            """
        ).fetchone()[0]
        channels = conn.execute(
            """
            SELECT segment_value AS channel, users, round(p_active_mean, 3) AS p_active_mean,
                   new_users, round(p_active_mean_new, 3) AS p_active_mean_new, round(index_vs_all, 2) AS index_vs_all
            FROM marts.activity_by_segment WHERE segment_type = 'channel' ORDER BY p_active_mean_new DESC NULLS LAST
            """
        ).df()
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "by_channel": dg.MetadataValue.md(channels.to_markdown(index=False)),
        },
        check_results=[none_counted("segments_sum_to_all", segment_types_off=mismatched)],
    )
