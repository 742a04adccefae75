import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.config import load_definitions
from pipelines.core.build import (
    MixedTimezoneError,
    build_events,
    build_identity_map,
    build_users,
    revenue_currencies,
)
from pipelines.defs.checks import none_counted
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.settings import load_settings
from pipelines.warehouse import table_preview


@dg.asset(
    key=["core", "identity_map"],
    deps=[["raw", "events"], ["raw", "ga4_export_events"]],
    group_name="core",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
)
def identity_map(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """First link wins: each anonymous id → the first user id it appeared with."""
    with open_warehouse(duckdb) as conn:
        counts = build_identity_map(conn)
        preview = table_preview(conn, "core.identity_conflicts")
    return dg.MaterializeResult(
        metadata={**counts, "conflicts_preview": dg.MetadataValue.md(preview)}
    )


@dg.asset(
    key=["core", "events"],
    deps=[["core", "identity_map"]],
    group_name="core",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[dg.AssetCheckSpec("event_id_unique", asset=["core", "events"], blocking=True)],
)
def core_events(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """raw.events with the stitched user_key and the activity flag from retainly.yaml."""
    settings = load_settings()
    with open_warehouse(duckdb) as conn:
        try:
            counts = build_events(conn, load_definitions(home=settings.home), settings.timezone)
        except MixedTimezoneError as exc:
            raise dg.Failure(str(exc)) from exc
        duplicated = conn.execute(
            "SELECT count(*) - count(DISTINCT event_id) FROM core.events"
        ).fetchone()[0]
        preview = table_preview(conn, "core.events")
    return dg.MaterializeResult(
        metadata={**counts, "preview": dg.MetadataValue.md(preview)},
        check_results=[
            none_counted("event_id_unique", duplicated=duplicated),
        ],
    )


@dg.asset(
    key=["core", "users"],
    deps=[["core", "events"]],
    group_name="core",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec("user_key_unique", asset=["core", "users"], blocking=True),
        dg.AssetCheckSpec(
            "one_revenue_currency",
            asset=["core", "users"],
            description="Revenue is summed as sent: payments in several currencies make totals meaningless.",
        ),
    ],
)
def users(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per user: signup, first touch, ad ids, consent, hashed contacts, revenue."""
    with open_warehouse(duckdb) as conn:
        counts = build_users(conn, load_settings())
        duplicated = conn.execute(
            "SELECT count(*) - count(DISTINCT user_key) FROM core.users"
        ).fetchone()[0]
        preview = table_preview(conn, "core.users")
        currencies = revenue_currencies(conn)
    return dg.MaterializeResult(
        metadata={**counts, "preview": dg.MetadataValue.md(preview)},
        check_results=[
            none_counted("user_key_unique", duplicated=duplicated),
            dg.AssetCheckResult(
                check_name="one_revenue_currency",
                passed=len(currencies) <= 1,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"payments_by_currency": dg.MetadataValue.json(currencies)},
            ),
        ],
    )
