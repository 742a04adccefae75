"""The model card (Markdown) and the comparison tables shown in Dagster metadata."""

from __future__ import annotations

from typing import Any

from models.activity.model import ActivityModel

MODEL_LABELS = {
    "lightgbm": "LightGBM (calibrated p_active; Poisson days)",
    "lightgbm_uncalibrated": "LightGBM, before calibration",
    "logistic_regression": "Logistic / Poisson regression (scikit-learn)",
    "recency_frequency_rule": "Recency × frequency rule",
}


def _table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def classification_table(metrics: dict[str, Any]) -> str:
    order = ["lightgbm", "lightgbm_uncalibrated", "logistic_regression", "recency_frequency_rule"]
    rows = [
        [
            MODEL_LABELS[name],
            m["roc_auc"],
            m["pr_auc"],
            m["top_decile_lift"],
            m["top_decile_capture"],
            m["brier"],
        ]
        for name in order
        if (m := metrics["classification"].get(name))
    ]
    return _table(
        ["model", "ROC-AUC", "PR-AUC", "top-decile lift", "top-decile capture", "Brier"], rows
    )


def regression_table(metrics: dict[str, Any]) -> str:
    order = ["lightgbm", "logistic_regression", "recency_frequency_rule"]
    rows = [
        [MODEL_LABELS[name], m["poisson_deviance"], m["mae"], m["mean_predicted"], m["mean_actual"]]
        for name in order
        if (m := metrics["regression"].get(name))
    ]
    return _table(
        ["model", "Poisson deviance", "MAE", "mean predicted days", "mean actual days"], rows
    )


def calibration_markdown(rows: list[dict]) -> str:
    return _table(
        ["bin", "mean predicted", "actual rate", "users"],
        [
            [
                f"{r['bin'] / 10:.1f}–{(r['bin'] + 1) / 10:.1f}",
                r["p_mean"],
                r["actual_rate"],
                r["users"],
            ]
            for r in rows
        ],
    )


def lift_markdown(rows: list[dict]) -> str:
    return _table(
        ["decile", "users", "active", "mean p_active", "actual rate", "lift"],
        [
            [
                r["decile"],
                r["users"],
                r["positives"],
                r["p_active_mean"],
                r["actual_rate"],
                r["lift"],
            ]
            for r in rows
        ],
    )


def importance_markdown(rows: list[dict], target: str = "p_active", top: int = 15) -> str:
    chosen = [r for r in rows if r["target"] == target][:top]
    return _table(["feature", "gain share"], [[r["feature"], r["gain_share"]] for r in chosen])


def segments_markdown(rows: list[dict], segment_type: str) -> str:
    chosen = [r for r in rows if r["segment_type"] == segment_type]
    return _table(
        [segment_type, "users", "mean predicted p_active", "actual rate"],
        [
            [r["segment_value"], int(r["users"]), r["p_active_mean"], r["actual_rate"]]
            for r in chosen
        ],
    )


def calibration_sentence(calibration: dict[str, Any]) -> str:
    if calibration.get("method") == "platt":
        return (
            f"Platt scaling (sigmoid(a·logit(p) + b), a = {calibration['a']:.3f}, b = {calibration['b']:.3f}), "
            "fit on the held-out latest training snapshot, where it lowered the Brier score from "
            f"{calibration['holdout_brier_raw']:.5f} to {calibration['holdout_brier_platt']:.5f}."
        )
    if "holdout_brier_raw" in calibration:
        return (
            "None: Platt scaling did not lower the Brier score by at least 0.5% on the held-out "
            f"training snapshot ({calibration['holdout_brier_raw']:.5f} raw vs "
            f"{calibration['holdout_brier_platt']:.5f}), "
            "so the raw LightGBM probabilities are used."
        )
    return f"None ({calibration.get('reason', 'not fitted')})."


def model_card(
    version: str,
    model: ActivityModel,
    metrics: dict[str, Any],
    window: dict[str, Any],
    plot_file: str,
) -> str:
    rows = window["rows"]
    return f"""# Activity model {version}

Predicts, for every user first seen on or before `as_of`, the probability of at least one
active day in the next {model.horizon_days} days (`p_active`) and the expected number of
active days (`expected_active_days`). "Active" is `core.events.is_active` (retainly.yaml).

## Intended use

Rank users by likelihood of staying active, to build look-alike ad audiences and to
compare acquisition channels by the activity of the users they bring. Not for decisions
about individuals beyond marketing targeting.

## Data and split (time-based)

- Data: {window["first_loaded_date"]} … {window["data_end"]} (local dates)
- Training snapshots (as_of): {", ".join(window["training_as_of"])} — {rows["training"]:,} rows,
  {window["training_positives"]:,} active in the horizon
- Early stopping and calibration: boosters fit on {", ".join(window["booster_as_of"])}, scored on the
  held-out {window["holdout_as_of"] or "none"} ({rows["holdout"]:,} rows); then refit on every training
  snapshot with the chosen number of trees ({metrics["calibration"].get("rounds")})
- Validation snapshot: {window["validation_as_of"]} — {rows["validation"]:,} users,
  {window["validation_positives"]:,} active (labels fully observed)
- Baselines fit on the same training snapshots ({rows["baseline_fit"]:,} rows)

## Validation: LightGBM vs baselines (same snapshot)

{classification_table(metrics)}

Expected active days:

{regression_table(metrics)}

Calibration: {calibration_sentence(metrics["calibration"])}

{calibration_markdown(metrics["calibration_table"])}

Lift by decile of `p_active`:

{lift_markdown(metrics["lift_table"])}

![lift and calibration]({plot_file})

## What drives the score (gain share, p_active booster)

{importance_markdown(metrics["feature_importance"])}

## Predicted vs actual by segment (validation snapshot)

{segments_markdown(metrics["segments"], "channel")}

{segments_markdown(metrics["segments"], "signup_method")}

## Features

{", ".join(f"`{n}`" for n in model.feature_names)}

Top events: {", ".join(model.top_events) or "none"}. All features are point-in-time: they read
only events on or before the end of the local day `as_of`.

## Limitations

- Trained on past snapshots; behaviour changes (a new product surface, a pricing change)
  degrade it until the next training.
- Identity stitching is applied at query time, so a later link between an anonymous id
  and a user id can move earlier events onto a user and change their historical features.
- Segment averages mix acquisition quality with tenure; compare the `_new` columns of
  `marts.activity_by_segment` for the acquisition view.
"""
