import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.acquisition import contracts
from pipelines.defs.ga4.resources import Ga4DataApiResource
from pipelines.defs.ingest.results import ingestion_result, load_log_check_spec
from pipelines.ga4 import data_api
from pipelines.ga4.export import SOURCE, changed_files, ingest_export_files, list_export_files
from pipelines.ga4.marts import build_reconciliation, build_traffic_daily
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.settings import load_settings
from pipelines.warehouse import table_preview

GROUP = "ga4"


class Ga4ExportConfig(dg.Config):
    reload_all: bool = False  # reload every file, not only new or changed ones


@dg.asset(
    key=["raw", "ga4_export_events"],
    group_name=GROUP,
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[load_log_check_spec(["raw", "ga4_export_events"])],
)
def ga4_export_events(
    context: dg.AssetExecutionContext, config: Ga4ExportConfig, duckdb: DuckDBResource
):
    """GA4 BigQuery export files (landing/ga4_export/, new or changed) → raw.events rows with source='ga4_export'."""
    settings = load_settings()
    files = list_export_files(settings.ga4_export_dir)
    with open_warehouse(duckdb) as conn:
        todo = files if config.reload_all else changed_files(conn, files, settings.timezone)
        results = ingest_export_files(conn, todo, settings)
        if not files:
            context.log.info(f"no GA4 export files in {settings.ga4_export_dir}")
        return ingestion_result(conn, SOURCE, results, files_seen=len(files))


class Ga4ReportsConfig(dg.Config):
    refetch_days: int = data_api.DEFAULT_REFETCH_DAYS
    initial_days: int = data_api.DEFAULT_INITIAL_DAYS


def build_ga4_reports(resource: Ga4DataApiResource) -> dg.AssetsDefinition:
    """The Data API asset with its client resource bound (tests bind a loopback endpoint),
    so materializing the code location's assets needs no extra resource."""

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                ["raw", "ga4_traffic"],
                group_name=GROUP,
                kinds={"duckdb", "googleanalytics"},
                description="GA4 Data API: date × session source/medium/campaign; active/new users, sessions, key events, revenue.",
            ),
            dg.AssetSpec(
                ["raw", "ga4_active_users"],
                group_name=GROUP,
                kinds={"duckdb", "googleanalytics"},
                description="GA4 Data API: date; active 1/7/28-day users.",
            ),
        ],
        pool=DUCKDB_POOL,
        resource_defs={"ga4": resource},
        can_subset=True,
    )
    def ga4_reports(
        context: dg.AssetExecutionContext,
        config: Ga4ReportsConfig,
        duckdb: DuckDBResource,
        ga4: Ga4DataApiResource,
    ):
        """GA4 Data API reports, incremental by date with a re-fetch window; skipped when GA4_PROPERTY_ID is unset."""
        settings = load_settings()
        reports = tuple(
            r
            for r in data_api.REPORTS
            if dg.AssetKey(r.table.split(".")) in context.selected_asset_keys
        )
        reason = data_api.not_configured_reason(settings)
        if reason:
            context.log.warning(reason)
            for spec in reports:
                yield dg.MaterializeResult(
                    asset_key=spec.table.split("."), metadata={"status": f"skipped: {reason}"}
                )
            return
        client = ga4.client(settings)
        try:
            with open_warehouse(duckdb) as conn:
                fetched = data_api.refresh_reports(
                    conn,
                    client,
                    settings,
                    refetch_days=config.refetch_days,
                    initial_days=config.initial_days,
                    retry=ga4.retry(),
                    reports=reports,
                )
                previews = {r.table: table_preview(conn, r.table) for r in reports}
        finally:
            client.transport.close()
        for spec in reports:
            info = fetched.get(spec.name, {"rows": 0, "pages": 0, "status": "up to date"})
            yield dg.MaterializeResult(
                asset_key=spec.table.split("."),
                metadata={**info, "preview": dg.MetadataValue.md(previews[spec.table])},
            )

    return ga4_reports


ga4_reports = build_ga4_reports(Ga4DataApiResource())


@dg.asset(
    key=["marts", "ga4_traffic_daily"],
    deps=[["raw", "ga4_traffic"], ["raw", "ga4_export_events"], ["core", "channel_map"]],
    group_name=GROUP,
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            "key_unique_not_null", asset=["marts", "ga4_traffic_daily"], blocking=True
        ),
        dg.AssetCheckSpec(
            "one_source_per_date", asset=["marts", "ga4_traffic_daily"], blocking=True
        ),
    ],
)
def ga4_traffic_daily(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per (date, session source, medium, campaign): GA4 traffic from the Data API, else from the export."""
    settings = load_settings()
    with open_warehouse(duckdb) as conn:
        counts = build_traffic_daily(conn, settings)
        duplicates = contracts.duplicate_or_null_keys(
            conn,
            "marts.ga4_traffic_daily",
            ["date", "session_source", "session_medium", "session_campaign_name"],
        )
        mixed = conn.execute(
            "SELECT date FROM marts.ga4_traffic_daily GROUP BY date HAVING count(DISTINCT source) > 1 LIMIT 20"
        ).fetchall()
        preview = table_preview(conn, "marts.ga4_traffic_daily")
    return dg.MaterializeResult(
        metadata={
            "rows": counts["rows"],
            "export_sessions": counts["sessions"],
            "dates_by_source": dg.MetadataValue.json(counts["dates_by_source"]),
            "preview": dg.MetadataValue.md(preview),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="key_unique_not_null",
                passed=not duplicates,
                metadata={"violations": len(duplicates)},
            ),
            dg.AssetCheckResult(
                check_name="one_source_per_date",
                passed=not mixed,
                metadata={"violations": len(mixed)},
            ),
        ],
    )


def _ratio(value: float | None):
    return dg.MetadataValue.float(float(value)) if value is not None else "n/a"


@dg.asset(
    key=["marts", "ga4_reconciliation"],
    deps=[["marts", "ga4_traffic_daily"], ["raw", "ga4_active_users"], ["core", "events"]],
    group_name=GROUP,
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec("date_unique", asset=["marts", "ga4_reconciliation"], blocking=True)
    ],
)
def ga4_reconciliation(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per date: our DAU and new users (own logs) vs GA4's, as ratios ours / GA4."""
    settings = load_settings()
    with open_warehouse(duckdb) as conn:
        counts = build_reconciliation(conn, settings)
        duplicates = contracts.duplicate_or_null_keys(conn, "marts.ga4_reconciliation", ["date"])
        preview = conn.execute(
            "SELECT * FROM marts.ga4_reconciliation ORDER BY date DESC LIMIT 14"
        ).df()
    return dg.MaterializeResult(
        metadata={
            "dates": counts["dates"],
            "median_dau_ratio": _ratio(counts["median_dau_ratio"]),
            "median_new_users_ratio": _ratio(counts["median_new_users_ratio"]),
            "latest": dg.MetadataValue.md(
                preview.to_markdown(index=False) if not preview.empty else "(no rows)"
            ),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="date_unique",
                passed=not duplicates,
                metadata={"violations": len(duplicates)},
            )
        ],
    )
