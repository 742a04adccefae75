"""Metrics marts: thin assets over ``pipelines.metrics.build``; checks from
``pipelines.metrics.checks`` (blocking where a wrong number would reach a dashboard)."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.config import load_definitions
from pipelines.metrics import build, checks
from pipelines.metrics.checks import CheckOutcome
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.settings import load_settings
from pipelines.warehouse import table_preview

CORE_EVENTS = dg.AssetKey(["core", "events"])
CORE_USERS = dg.AssetKey(["core", "users"])
USER_DAYS = dg.AssetKey(["core", "user_days"])


def _metrics_asset(
    key: dg.AssetKey | list[str],
    deps: list[dg.AssetKey],
    checks: dict[str, str] | None = None,
    warnings: dict[str, str] | None = None,
):
    """The metrics group's asset decorator: one DuckDB writer at a time; ``checks`` block
    downstream assets when they fail, ``warnings`` only warn (name → description)."""
    specs = [
        dg.AssetCheckSpec(name, asset=key, blocking=blocking, description=description)
        for named, blocking in ((checks or {}, True), (warnings or {}, False))
        for name, description in named.items()
    ]
    return dg.asset(
        key=key,
        deps=deps,
        group_name="metrics",
        pool=DUCKDB_POOL,
        kinds={"duckdb"},
        check_specs=specs,
    )


def _result(
    name: str, outcome: CheckOutcome, severity=dg.AssetCheckSeverity.ERROR
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name, passed=outcome.passed, metadata=outcome.metadata, severity=severity
    )


def _materialize(
    duckdb: DuckDBResource,
    table: str,
    run: Callable,
    check_fns: dict[str, Callable],
) -> dg.MaterializeResult:
    """Build ``table`` with ``run(conn)``, then run its checks on the same connection."""
    with open_warehouse(duckdb) as conn:
        counts = run(conn)
        outcomes = {name: fn(conn) for name, fn in check_fns.items()}
        preview = table_preview(conn, table)
    return dg.MaterializeResult(
        metadata={**counts, "preview": dg.MetadataValue.md(preview)},
        check_results=[_result(name, outcome) for name, outcome in outcomes.items()],
    )


@_metrics_asset(USER_DAYS, deps=[CORE_EVENTS, CORE_USERS])
def user_days(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per (user_key, local date) with activity, from core.events.is_active; users
    are grouped by user_uid, the integer id kept one-to-one with user_key by core/users."""
    return _materialize(duckdb, "core.user_days", build.build_user_days, {})


@_metrics_asset(
    ["marts", "active_users"],
    deps=[USER_DAYS],
    checks={
        "dau_le_wau_le_mau": "0 ≤ DAU ≤ WAU ≤ MAU on every date, no date missing.",
        "reaches_last_loaded_date": "The latest date is the last loaded date.",
    },
    warnings={"data_freshness": "The last loaded date is at most 2 days old (warning)."},
)
def active_users(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per local date: DAU, trailing 7-day WAU and 30-day MAU, and their ratios."""
    settings = load_settings()
    with open_warehouse(duckdb) as conn:
        counts = build.build_active_users(conn)
        ordered = checks.active_users_ordered(conn)
        reaches = checks.active_users_fresh(conn)
        fresh = checks.data_freshness(conn, settings.as_of or settings.today())
        preview = table_preview(conn, "marts.active_users")
    return dg.MaterializeResult(
        metadata={**counts, "preview": dg.MetadataValue.md(preview)},
        check_results=[
            _result("dau_le_wau_le_mau", ordered),
            _result("reaches_last_loaded_date", reaches),
            _result("data_freshness", fresh, dg.AssetCheckSeverity.WARN),
        ],
    )


@_metrics_asset(
    ["marts", "retention"],
    deps=[USER_DAYS, CORE_USERS],
    checks={
        "rates_valid": "Rates in [0, 1], offset 0 = 1, rolling ≥ n_day, key unique.",
        "cohort_sizes_sum": "Cohort sizes sum to the number of users.",
    },
)
def retention(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per cohort × method × offset × segment: n_day, rolling and range retention."""
    settings = load_settings()
    definitions = load_definitions(home=settings.home)
    return _materialize(
        duckdb,
        "marts.retention",
        lambda conn: build.build_retention(conn, settings, definitions),
        {
            "rates_valid": checks.retention_rates_valid,
            "cohort_sizes_sum": checks.retention_cohorts_sum,
        },
    )


@_metrics_asset(
    ["marts", "stickiness"],
    deps=[USER_DAYS],
    checks={"sums_to_active_users": "Users per period = active users in it."},
)
def stickiness(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per calendar week / month and number of active days: users."""
    settings = load_settings()
    return _materialize(
        duckdb,
        "marts.stickiness",
        lambda conn: build.build_stickiness(conn, settings),
        {
            "sums_to_active_users": lambda conn: checks.stickiness_sums_to_active(
                conn, settings.week_start_index
            )
        },
    )


@_metrics_asset(
    ["marts", "lifecycle"],
    deps=[USER_DAYS],
    checks={"statuses_consistent": "Dormant ≤ 0; new + returning + resurrecting = DAU."},
)
def lifecycle(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per day / week / month and status: new, returning, resurrecting, dormant (< 0)."""
    settings = load_settings()
    return _materialize(
        duckdb,
        "marts.lifecycle",
        lambda conn: build.build_lifecycle(conn, settings),
        {"statuses_consistent": checks.lifecycle_consistent},
    )


@_metrics_asset(
    ["marts", "conversion"],
    deps=[USER_DAYS, CORE_USERS],
    checks={"paid_counts_consistent": "7d ≤ 30d ≤ ever ≤ signups; signups sum to users."},
)
def conversion(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per signup cohort and segment: signups and paid within 7 / 30 days / ever."""
    settings = load_settings()
    return _materialize(
        duckdb,
        "marts.conversion",
        lambda conn: build.build_conversion(conn, settings),
        {"paid_counts_consistent": checks.conversion_consistent},
    )


@_metrics_asset(
    ["marts", "funnel"],
    deps=[CORE_EVENTS, CORE_USERS, USER_DAYS],
    checks={"steps_non_increasing": "Step counts never increase; rates in [0, 1]."},
)
def funnel(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per configured funnel, step and segment: users, conversion, median time."""
    definitions = load_definitions(home=load_settings().home)
    return _materialize(
        duckdb,
        "marts.funnel",
        lambda conn: build.build_funnels(conn, definitions),
        {"steps_non_increasing": checks.funnel_non_increasing},
    )


assets = [user_days, active_users, retention, stickiness, lifecycle, conversion, funnel]
