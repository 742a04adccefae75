"""External backtest of the activity model on CDNOW, a real public transaction log we
did not generate (``lifetimes/datasets/CDNOW_master.txt``: 23,570 customers who first
bought in Q1 1997, every purchase through June 1998).

Split (the classic one from Fader, Hardie & Lee): calibration to 1997-09-30, holdout
1997-10-01 … 1998-06-30 (273 days).

- Ours: each purchase becomes an ``Order Completed`` event in ``core.events``
  (calibration period only, so nothing after 1997-09-30 is visible); the real
  ``train_activity_model`` trains on past snapshots inside the calibration period with
  a 91-day horizon (the longest whose training and validation labels fit in it), then
  ``score_users`` scores every customer at 1997-09-30.
- lifetimes' BG/NBD fit on the calibration period (frequency, recency, T in days),
  predicting purchases in the 273-day holdout.
- For reference: calibration-period repeat-purchase days alone.

Customers are ranked by each score (ours: ``expected_active_days``) and compared with
their holdout purchase days: top-decile capture (share of all holdout purchase days made
by the top 10%; ties split pro rata), Spearman rank correlation, and ROC-AUC for "bought
again in the holdout".

    .venv/bin/python benchmarks/cdnow_backtest.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import duckdb
import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter
from lifetimes.utils import summary_data_from_transaction_data
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from models.activity.evaluate import top_share_capture
from models.activity.registry import activity_root, save_version
from models.activity.score import score_users
from models.activity.train import train_activity_model
from pipelines.config import load_definitions
from pipelines.warehouse import prepare

CDNOW = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"
CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)
HORIZON_DAYS = 91


def load_transactions() -> pd.DataFrame:
    frame = pd.read_csv(CDNOW, sep=r"\s+", dtype={"customer_id": str, "date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    frame["user_key"] = "cdnow-" + frame["customer_id"]
    return frame


def load_events(conn: duckdb.DuckDBPyConnection, transactions: pd.DataFrame) -> int:
    """The calibration-period purchases as ``core.events`` rows (one per transaction)."""
    calibration = transactions[transactions["date"].dt.date <= CALIBRATION_END].reset_index(
        drop=True
    )
    conn.register("cdnow_rows", calibration)
    conn.execute(
        """
        CREATE OR REPLACE TABLE core.events AS
        SELECT
            user_key || ':' || row_number() OVER () AS event_id,
            'Order Completed' AS event_name,
            'track' AS event_type,
            (date + INTERVAL 12 HOUR)::TIMESTAMPTZ AS event_ts,
            date::DATE AS event_date,
            user_key,
            NULL::VARCHAR AS utm_source,
            NULL::VARCHAR AS utm_medium,
            'unknown' AS platform,
            json_object('revenue', dollar_value, 'number_of_cds', number_of_cds) AS properties,
            true AS is_active
        FROM cdnow_rows
        """
    )
    conn.unregister("cdnow_rows")
    return len(calibration)


def our_scores(conn: duckdb.DuckDBPyConnection, workdir: Path) -> tuple[pd.DataFrame, dict]:
    base = load_definitions()
    definitions = base.model_copy(
        update={
            "model": base.model.model_copy(update={"horizon_days": HORIZON_DAYS, "top_events": []})
        }
    )
    started = time.perf_counter()
    result = train_activity_model(conn, definitions)
    root = activity_root(workdir / "models")
    save_version(root, result)
    score_users(conn, root, definitions, as_of=CALIBRATION_END)
    seconds = time.perf_counter() - started
    scores = conn.execute(
        "SELECT user_key, p_active, expected_active_days FROM marts.activity_scores"
    ).df()
    return scores, {"seconds": seconds, "window": result.training_window, "metrics": result.metrics}


def bgnbd_scores(transactions: pd.DataFrame) -> pd.DataFrame:
    """lifetimes' calibration summary (frequency, recency, T in days), the BG/NBD
    prediction for the holdout, and the actual holdout purchase days per customer.
    (``lifetimes.utils.calibration_and_holdout_data`` fails on current pandas, so the
    holdout side is counted here the same way: distinct purchase days.)"""
    calibration = transactions[transactions["date"] <= pd.Timestamp(CALIBRATION_END)]
    holdout = transactions[
        (transactions["date"] > pd.Timestamp(CALIBRATION_END))
        & (transactions["date"] <= pd.Timestamp(HOLDOUT_END))
    ]
    summary = summary_data_from_transaction_data(
        calibration,
        "user_key",
        "date",
        observation_period_end=pd.Timestamp(CALIBRATION_END),
        freq="D",
    )
    model = BetaGeoFitter(penalizer_coef=0.0).fit(
        summary["frequency"], summary["recency"], summary["T"]
    )
    holdout_days = (HOLDOUT_END - CALIBRATION_END).days
    summary["bgnbd_expected"] = model.conditional_expected_number_of_purchases_up_to_time(
        holdout_days, summary["frequency"], summary["recency"], summary["T"]
    )
    summary["frequency_holdout"] = (
        holdout.groupby("user_key")["date"].nunique().reindex(summary.index).fillna(0)
    )
    return summary.rename(columns={"frequency": "frequency_cal"}).reset_index()


def ranking_metrics(score: np.ndarray, holdout_days: np.ndarray) -> dict[str, float]:
    _, capture = top_share_capture(holdout_days, score, 0.1)
    return {
        "top_decile_capture": capture,
        "spearman": float(spearmanr(score, holdout_days).statistic),
        "roc_auc_any_purchase": float(roc_auc_score(holdout_days > 0, score)),
    }


def main() -> None:
    transactions = load_transactions()
    workdir = Path(tempfile.mkdtemp(prefix="cdnow_"))
    conn = duckdb.connect(str(workdir / "warehouse.duckdb"))
    prepare(conn)
    events = load_events(conn, transactions)
    ours, info = our_scores(conn, workdir)
    started = time.perf_counter()
    summary = bgnbd_scores(transactions)
    bgnbd_seconds = time.perf_counter() - started

    # holdout purchase *days*, as BG/NBD counts them (several orders on a day are one)
    table = summary.merge(ours, on="user_key", how="left", validate="one_to_one")
    assert table["expected_active_days"].notna().all(), "every CDNOW customer is scored"
    holdout_days = table["frequency_holdout"].to_numpy()
    rows = {
        "Retainly activity model (expected_active_days, LightGBM)": ranking_metrics(
            table["expected_active_days"].to_numpy(), holdout_days
        ),
        "Retainly activity model (p_active)": ranking_metrics(
            table["p_active"].to_numpy(), holdout_days
        ),
        "lifetimes BG/NBD (expected holdout purchases)": ranking_metrics(
            table["bgnbd_expected"].to_numpy(), holdout_days
        ),
        "Calibration repeat-purchase days (naive)": ranking_metrics(
            table["frequency_cal"].to_numpy(), holdout_days
        ),
    }
    window = info["window"]
    print(
        f"CDNOW: {len(table):,} customers, {events:,} calibration transactions, "
        f"{int((holdout_days > 0).sum()):,} customers bought in the holdout ({int(holdout_days.sum()):,} purchase days)"
    )
    print(
        f"ours: horizon {HORIZON_DAYS} d, training as_of {window['training_as_of']}, validation {window['validation_as_of']}, "
        f"{info['seconds']:.1f} s (train + score); BG/NBD fit {bgnbd_seconds:.1f} s"
    )
    print(
        f"ours on its own validation snapshot: ROC-AUC {info['metrics']['classification']['lightgbm']['roc_auc']:.3f}"
    )
    print()
    print("| model (ranked by) | top-decile capture | Spearman | ROC-AUC (bought again) |")
    print("|---|---|---|---|")
    for name, m in rows.items():
        print(
            f"| {name} | {m['top_decile_capture']:.3f} | {m['spearman']:.3f} | {m['roc_auc_any_purchase']:.3f} |"
        )


if __name__ == "__main__":
    main()
