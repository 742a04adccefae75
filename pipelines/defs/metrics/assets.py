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


def _spec(name: str, key: list[str], description: str, blocking: bool = True) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=key, blocking=blocking, description=description)


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


@dg.asset(
    key=USER_DAYS,
    deps=[CORE_EVENTS, CORE_USERS],
    group_name="metrics",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
)
def user_days(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per (user_key, local date) with activity, from core.events.is_active (long
    user keys are grouped by their integer id, checked unique over core.users)."""
    return _materialize(duckdb, "core.user_days", build.build_user_days, {})


@dg.asset(
    key=["marts", "active_users"],
    deps=[USER_DAYS],
    group_name="metrics",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        _spec(
            "dau_le_wau_le_mau",
            ["marts", "active_users"],
            "0 ≤ DAU ≤ WAU ≤ MAU on every date, no date missing.",
        ),
        _spec(
            "reaches_last_loaded_date",
            ["marts", "active_users"],
            "The latest date is the last loaded date.",
        ),
        _spec(
            "data_freshness",
            ["marts", "active_users"],
            "The last loaded date is at most 2 days old (warning).",
            blocking=False,
        ),
    ],
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


@dg.asset(
    key=["marts", "retention"],
    deps=[USER_DAYS, CORE_USERS],
    group_name="metrics",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        _spec(
            "rates_valid",
            ["marts", "retention"],
            "Rates in [0, 1], offset 0 = 1, rolling ≥ n_day, key unique.",
        ),
        _spec(
            "cohort_sizes_sum", ["marts", "retention"], "Cohort sizes sum to the number of users."
        ),
    ],
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


@dg.asset(
    key=["marts", "stickiness"],
    deps=[USER_DAYS],
    group_name="metrics",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        _spec(
            "sums_to_active_users",
            ["marts", "stickiness"],
            "Users per period = active users in it.",
        )
    ],
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


@dg.asset(
    key=["marts", "lifecycle"],
    deps=[USER_DAYS],
    group_name="metrics",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        _spec(
            "statuses_consistent",
            ["marts", "lifecycle"],
            "Dormant ≤ 0; new + returning + resurrecting = DAU.",
        )
    ],
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


@dg.asset(
    key=["marts", "conversion"],
    deps=[USER_DAYS, CORE_USERS],
    group_name="metrics",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        _spec(
            "paid_counts_consistent",
            ["marts", "conversion"],
            "7d ≤ 30d ≤ ever ≤ signups; signups sum to users.",
        )
    ],
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


@dg.asset(
    key=["marts", "funnel"],
    deps=[CORE_EVENTS, CORE_USERS, USER_DAYS],
    group_name="metrics",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        _spec(
            "steps_non_increasing",
            ["marts", "funnel"],
            "Step counts never increase; rates in [0, 1].",
        )
    ],
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
