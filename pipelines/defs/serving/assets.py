"""Serving: the marts published to PostgreSQL, and the Grafana dashboards that read them."""

import importlib
import pkgutil

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

import pipelines.defs
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.serving.publish import publish_all
from pipelines.serving.target import READER_ROLE, grafana_datasource, serving_target
from pipelines.settings import Settings, load_settings

GROUP = "serving"
UPSTREAM_PREFIXES = ("raw", "marts", "ops")  # marts, and the ingestion assets that write ops.*
SERVING_POSTGRES = dg.AssetKey(["serving", "postgres"])


def _upstream_keys() -> list[dg.AssetKey]:
    """Every warehouse asset of the other domains, read from their definitions at load time,
    so a new mart is published (and waited for) without editing this file."""
    keys: set[dg.AssetKey] = set()
    for module in pkgutil.iter_modules(pipelines.defs.__path__):
        if not module.ispkg or module.name == "serving":
            continue
        domain = importlib.import_module(f"pipelines.defs.{module.name}").defs
        for item in domain.assets or []:
            item_keys = item.keys if isinstance(item, dg.AssetsDefinition) else [item.key]
            keys.update(k for k in item_keys if k.path[0] in UPSTREAM_PREFIXES)
    return sorted(keys, key=lambda k: k.to_user_string())


def asset_check_results(context: dg.AssetExecutionContext) -> pd.DataFrame:
    """Latest evaluation of every asset check of the code location, from the Dagster instance."""
    from pipelines.definitions import defs  # the whole code location (runs may not carry it)

    check_keys = defs.get_repository_def().asset_graph.asset_check_keys
    rows = []
    for check_key in sorted(check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        record = context.instance.get_latest_asset_check_evaluation_record(check_key)
        rows.append(
            {
                "asset_key": check_key.asset_key.to_user_string(),
                "check_name": check_key.name,
                "status": record.status.value if record else "NOT_EVALUATED",
                "evaluated_at": pd.Timestamp(record.create_timestamp, unit="s", tz="UTC")
                if record
                else pd.NaT,
                "run_id": record.run_id if record else None,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["asset_key", "check_name", "status", "evaluated_at", "run_id"]
    )
    frame["evaluated_at"] = pd.to_datetime(frame["evaluated_at"], utc=True)
    return frame


def reporting_settings(settings: Settings) -> pd.DataFrame:
    """serving.reporting_settings: one row, so dashboards can compute "today" in the
    reporting time zone (PostgreSQL's own zone is the server's)."""
    return pd.DataFrame([{"timezone": settings.timezone, "week_start": settings.week_start}])


@dg.asset(
    key=SERVING_POSTGRES,
    deps=_upstream_keys(),
    group_name=GROUP,
    pool=DUCKDB_POOL,
    kinds={"duckdb", "postgres"},
)
def serving_postgres(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Every table of DuckDB marts/ops → PostgreSQL serving.<table> / serving.ops_<table>, plus
    serving.asset_checks; one atomic swap per table (RETAINLY_SERVING_URL or embedded)."""
    settings = load_settings()
    checks = asset_check_results(context)
    with serving_target(settings) as target, open_warehouse(duckdb) as conn:
        published = publish_all(
            conn, target.url, database=target.database, reader_role=READER_ROLE,
            reader_password=target.reader_password,
            extra={"asset_checks": checks, "reporting_settings": reporting_settings(settings)},
        )  # fmt: skip
        where = target.describe()
    table = pd.DataFrame(
        [
            {"table": p.target, "rows": p.rows, "source": p.source, "indexes": ", ".join(p.indexes)}
            for p in published
        ]
    )
    context.log.info(f"published {len(published)} tables to {where}")
    return dg.MaterializeResult(
        metadata={
            "server": where,
            "tables": len(published),
            "rows": int(table["rows"].sum()) if len(table) else 0,
            "published": dg.MetadataValue.md(
                table.to_markdown(index=False) if len(table) else "(none)"
            ),
        }
    )


@dg.asset(
    key=["serving", "grafana_dashboards"],
    deps=[SERVING_POSTGRES],
    group_name=GROUP,
    kinds={"grafana"},
)
def grafana_dashboards(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Every dashboard built from dashboards/panels → $RETAINLY_HOME/grafana/dashboards/<uid>.json
    (the committed dashboards/generated/ is only written by `retainly grafana build`); pushed to
    Grafana's API when GRAFANA_URL is set."""
    from dashboards.build import build_all, write_generated
    from dashboards.provision import connect, push

    settings = load_settings()
    boards = build_all()
    paths = write_generated(settings.home / "grafana" / "dashboards", dashboards=boards)
    metadata: dict = {
        "dashboards": ", ".join(b["uid"] for b in boards),
        "files": "\n".join(str(p) for p in paths),
    }
    if settings.grafana_url:
        report = push(
            connect(settings.grafana_url, settings.grafana_token),
            boards,
            grafana_datasource(settings),
        )
        metadata["pushed_to"] = settings.grafana_url
        metadata["push"] = report.summary()
    else:
        metadata["pushed_to"] = (
            "GRAFANA_URL unset: file provisioning only (dashboards/provisioning/)"
        )
    context.log.info(str(metadata["pushed_to"]))
    return dg.MaterializeResult(metadata=metadata)
