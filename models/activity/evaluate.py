"""Validation metrics for the activity model and its baselines, and the lift/calibration plot.

Inputs are 1-D arrays over the validation snapshot: ``y`` (1 = at least one active day in
the horizon), ``p`` (predicted probability), ``days`` (active days) and ``mu`` (expected
active days). Outputs are plain dicts/lists so they go to metrics.json unchanged.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    mean_absolute_error,
    mean_poisson_deviance,
    roc_auc_score,
)

CALIBRATION_BINS = 10
LIFT_GROUPS = 10


def top_share_capture(y: np.ndarray, score: np.ndarray, share: float = 0.1) -> tuple[float, float]:
    """(positive rate, share of all positives) in the top ``share`` of users by ``score``.

    Ties at the cut are split pro rata, i.e. the expected value under a random tie-break,
    so a coarse rule with many equal scores is neither favoured nor penalised.
    """
    y = np.asarray(y, dtype=np.float64)
    score = np.asarray(score, dtype=np.float64)
    k = share * len(y)
    threshold = np.sort(score)[::-1][max(int(np.ceil(k)) - 1, 0)]
    above = score > threshold
    at = score == threshold
    taken_from_ties = k - above.sum()
    positives = y[above].sum() + (y[at].sum() * taken_from_ties / at.sum() if at.any() else 0.0)
    return positives / k, positives / max(y.sum(), 1e-12)


def classification_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """ROC-AUC, PR-AUC (average precision), top-decile lift and capture, Brier score."""
    top_rate, top_capture = top_share_capture(y, p, 0.1)
    base_rate = float(np.mean(y))
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "top_decile_lift": float(top_rate / base_rate),
        "top_decile_capture": float(top_capture),
        "brier": float(brier_score_loss(y, np.clip(p, 0, 1))),
        "base_rate": base_rate,
    }


def regression_metrics(days: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    """Poisson deviance and MAE of expected active days (``mu`` floored at 1e-6)."""
    mu = np.maximum(np.asarray(mu, dtype=np.float64), 1e-6)
    return {
        "poisson_deviance": float(mean_poisson_deviance(days, mu)),
        "mae": float(mean_absolute_error(days, mu)),
        "mean_actual": float(np.mean(days)),
        "mean_predicted": float(np.mean(mu)),
    }


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Reliability table: bin k holds predictions in [k/bins, (k+1)/bins); empty bins omitted."""
    index = np.minimum((np.asarray(p) * bins).astype(int), bins - 1)
    rows = []
    for k in range(bins):
        mask = index == k
        if mask.any():
            rows.append(
                {
                    "bin": k,
                    "p_mean": float(np.mean(p[mask])),
                    "actual_rate": float(np.mean(y[mask])),
                    "users": int(mask.sum()),
                }
            )
    return rows


def lift_table(y: np.ndarray, p: np.ndarray, groups: int = LIFT_GROUPS) -> list[dict]:
    """Deciles by predicted probability (1 = highest); lift = decile rate / overall rate."""
    order = np.argsort(-np.asarray(p), kind="stable")
    base_rate = float(np.mean(y))
    rows = []
    for decile, chunk in enumerate(np.array_split(order, groups), start=1):
        actual_rate = float(np.mean(y[chunk]))
        rows.append(
            {
                "decile": decile,
                "users": int(len(chunk)),
                "positives": int(np.sum(y[chunk])),
                "p_active_mean": float(np.mean(p[chunk])),
                "actual_rate": actual_rate,
                "lift": actual_rate / base_rate if base_rate else float("nan"),
            }
        )
    return rows


def lift_calibration_png(lift: list[dict], calibration: list[dict], title: str) -> bytes:
    """Two panels: actual active rate by predicted decile, and the reliability diagram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), dpi=90)
    deciles = [r["decile"] for r in lift]
    left.bar(deciles, [r["actual_rate"] for r in lift], color="#4e79a7", label="actual")
    left.plot(deciles, [r["p_active_mean"] for r in lift], "o-", color="#e15759", label="predicted")
    left.set_xticks(deciles)
    left.set_xlabel("decile by p_active (1 = top)")
    left.set_ylabel("share active in horizon")
    left.set_title("Lift")
    left.legend(frameon=False)
    right.plot([0, 1], [0, 1], "--", color="grey", linewidth=1)
    right.plot(
        [r["p_mean"] for r in calibration],
        [r["actual_rate"] for r in calibration],
        "o-",
        color="#4e79a7",
    )
    right.set_xlim(0, 1)
    right.set_ylim(0, 1)
    right.set_xlabel("mean predicted p_active")
    right.set_ylabel("actual share active")
    right.set_title("Calibration")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def png_markdown(png: bytes, alt: str) -> str:
    """A Markdown image with the PNG inlined (Dagster renders it in asset metadata)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
