"""Materialize the code location in-process, with the same definitions the UI loads.

Two steps because Dagster runs one partition range per run: the daily-partitioned
ingestion over the landing files' days (one single-run backfill), then every
unpartitioned asset downstream.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from unittest import mock

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from pipelines.defs.ingest.partitions import existing_partition_keys
from pipelines.ingest.landing import list_event_files
from pipelines.resources import warehouse_resource
from pipelines.settings import Settings


@dataclass
class RunSummary:
    partition_range: tuple[str, str] | None = None
    materialized: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # why, for the warnings whose check said (e.g. the model's `trained`)
    warning_descriptions: dict[str, str] = field(default_factory=dict)
    # (step, error message) of every step that raised; the run goes on with the steps that
    # do not depend on it, as in the UI.
    failed_steps: list[tuple[str, str]] = field(default_factory=list)
    # Selected assets that did not materialize (downstream of a failure, or not run).
    not_materialized: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.failed_checks or self.failed_steps)

    def collect(self, result: dg.ExecuteInProcessResult, selected: set[dg.AssetKey]) -> None:
        done = {e.asset_key for e in result.get_asset_materialization_events()}
        self.materialized += [key.to_user_string() for key in done]
        self.not_materialized += sorted(key.to_user_string() for key in selected - done)
        for event in result.get_step_failure_events():
            error = event.step_failure_data.error
            # A user-code error arrives wrapped in Dagster's step error: report its cause.
            while (
                error is not None
                and error.cause is not None
                and "dagster" in error.cls_name.lower()
            ):
                error = error.cause
            self.failed_steps.append((event.step_key, _error_text(error)))
        for evaluation in result.get_asset_check_evaluations():
            if evaluation.passed:
                continue
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            is_warning = evaluation.severity == dg.AssetCheckSeverity.WARN
            (self.warnings if is_warning else self.failed_checks).append(name)
            if is_warning and evaluation.description:
                self.warning_descriptions[name] = evaluation.description


def _error_text(error) -> str:
    """``ClassName: message`` of a serialized error (its message starts with the dotted path)."""
    if error is None:
        return "failed"
    head, sep, rest = error.message.strip().partition(": ")
    return (
        f"{error.cls_name}: {rest}"
        if sep and head.endswith(error.cls_name)
        else error.message.strip()
    )


def _instance() -> dg.DagsterInstance:
    """The user's Dagster instance when DAGSTER_HOME is set (runs show in the UI), else ephemeral."""
    return (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )


def materialize_pipeline(
    settings: Settings, select: str | None = None, as_of: dt.date | None = None
) -> RunSummary:
    """Materialize ``select`` (Dagster selection syntax; default: everything) up to ``as_of``.

    ``as_of`` limits ingestion to landing files up to that day and is passed to the
    assets as ``RETAINLY_AS_OF`` (model snapshots, audiences).
    """
    from pipelines.definitions import defs

    graph = defs.get_repository_def().asset_graph
    selected = (
        dg.AssetSelection.from_string(select).resolve(graph)
        if select
        else graph.get_all_asset_keys()
    )
    partitioned = {k for k in selected if graph.get(k).partitions_def is not None}
    unpartitioned = set(selected) - partitioned
    definitions = [*(defs.assets or []), *(defs.asset_checks or [])]
    # The warehouse of ``settings``, not the one the module saw at import time.
    resources = {**(defs.resources or {}), "duckdb": warehouse_resource(settings)}
    # Dagster's per-step DEBUG lines would bury the summary; failures still print.
    quiet = {
        "loggers": {
            "console": {"config": {"log_level": os.environ.get("RETAINLY_LOG_LEVEL", "WARNING")}}
        }
    }
    run = dict(resources=resources, instance=_instance(), run_config=quiet, raise_on_error=False)
    summary = RunSummary()
    env = {"RETAINLY_AS_OF": as_of.isoformat()} if as_of else {}
    with mock.patch.dict(os.environ, env):
        days = existing_partition_keys(
            sorted(
                {
                    f.day.isoformat()
                    for f in list_event_files(settings.events_dir)
                    if as_of is None or f.day <= as_of
                }
            )
        )
        if partitioned and days:
            summary.partition_range = (days[0], days[-1])
            tags = {
                ASSET_PARTITION_RANGE_START_TAG: summary.partition_range[0],
                ASSET_PARTITION_RANGE_END_TAG: summary.partition_range[1],
            }
            selection = dg.AssetSelection.assets(*partitioned)
            result = dg.materialize(definitions, selection=selection, tags=tags, **run)
            summary.collect(result, partitioned)
            if not result.success:
                # Everything else reads what ingestion writes: not built on a partial load.
                summary.not_materialized += sorted(k.to_user_string() for k in unpartitioned)
                return summary
        if unpartitioned:
            selection = dg.AssetSelection.assets(*unpartitioned)
            summary.collect(dg.materialize(definitions, selection=selection, **run), unpartitioned)
    return summary
