import datetime as dt

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.ingest.partitions import daily_partitions
from pipelines.defs.ingest.results import ingestion_result, load_log_check_spec
from pipelines.ingest.landing import files_for_days, scan_events_dir
from pipelines.ingest.segment import ingest_files
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.settings import load_settings


def _days(context: dg.AssetExecutionContext) -> set[dt.date]:
    keys = daily_partitions.get_partition_keys_in_range(context.partition_key_range)
    return {dt.date.fromisoformat(k) for k in keys}


@dg.asset(
    key=["raw", "events"],
    group_name="ingest",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[load_log_check_spec(["raw", "events"])],
)
def raw_events(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    """Segment-spec JSONL landing files of the partition's days → raw.events (idempotent per file)."""
    settings = load_settings()
    landing, ignored = scan_events_dir(settings.events_dir)
    files = files_for_days(landing, _days(context))
    if not files:
        context.log.warning(
            f"no landing files for {context.partition_key_range} in {settings.events_dir}"
        )
    if ignored:
        context.log.warning(
            f"{len(ignored)} file(s) in {settings.events_dir} are never loaded: name them "
            f"YYYY-MM-DD*.jsonl or .jsonl.gz (first: {ignored[0].name})"
        )
    with open_warehouse(duckdb) as conn:
        return ingestion_result(conn, "segment", ingest_files(conn, files, settings))
