"""Materialize the code location in-process, with the same definitions the UI loads.

Two steps because Dagster runs one partition range per run: the daily-partitioned
ingestion over the landing files' days (one single-run backfill), then every
unpartitioned asset downstream.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.ingest.landing import list_event_files
from pipelines.settings import Settings


@dataclass
class RunSummary:
    partition_range: tuple[str, str] | None = None
    materialized: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)


def _instance() -> dg.DagsterInstance:
    """The user's Dagster instance when DAGSTER_HOME is set (runs show in the UI), else ephemeral."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def materialize_pipeline(
    settings: Settings, select: str | None = None, as_of: dt.date | None = None
) -> RunSummary:
    """Materialize ``select`` (Dagster selection syntax; default: everything) up to ``as_of``."""
    if as_of is not None:
        os.environ["RETAINLY_AS_OF"] = as_of.isoformat()
    from pipelines.definitions import defs  # after RETAINLY_AS_OF is set: assets read it at load

    repo = defs.get_repository_def()
    graph = repo.asset_graph
    all_keys = graph.get_all_asset_keys()
    selected = (
        dg.AssetSelection.from_string(select).resolve(graph) if select else set(all_keys)
    )
    partitioned = {k for k in selected if graph.get(k).partitions_def is not None}
    unpartitioned = selected - partitioned
    assets = list(defs.assets or [])
    checks = list(defs.asset_checks or [])
    resources = dict(defs.resources or {})
    summary = RunSummary()
    instance = _instance()

    if partitioned:
        days = [f.day for f in list_event_files(settings.events_dir) if as_of is None or f.day <= as_of]
        if days:
            start, end = min(days).isoformat(), max(days).isoformat()
            summary.partition_range = (start, end)
            result = dg.materialize(
                assets + checks,
                selection=dg.AssetSelection.assets(*partitioned),
                resources=resources,
                instance=instance,
                tags={ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end},
            )
            _collect(result, summary)
    if unpartitioned:
        result = dg.materialize(
            assets + checks,
            selection=dg.AssetSelection.assets(*unpartitioned),
            resources=resources,
            instance=instance,
        )
        _collect(result, summary)
    return summary


def _collect(result: dg.ExecuteInProcessResult, summary: RunSummary) -> None:
    for event in result.get_asset_materialization_events():
        summary.materialized.append(event.asset_key.to_user_string())
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            summary.failed_checks.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
