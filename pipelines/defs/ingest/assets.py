import datetime as dt

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.ingest.partitions import daily_partitions
from pipelines.ingest.landing import files_for_days
from pipelines.ingest.segment import ingest_files, quarantine_reasons
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.settings import load_settings

LOAD_LOG_CHECK = "load_log_balanced"


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
    check_specs=[
        dg.AssetCheckSpec(
            LOAD_LOG_CHECK,
            asset=["raw", "events"],
            blocking=True,
            description="For every file: loaded + duplicates + quarantined = lines read, and the "
            "load log agrees with the rows actually in raw.events and ops.quarantine.",
        )
    ],
)
def raw_events(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    """Segment-spec JSONL landing files of the partition's days → raw.events (idempotent per file)."""
    settings = load_settings()
    files = files_for_days(settings.events_dir, _days(context))
    with open_warehouse(duckdb) as conn:
        results = ingest_files(conn, files, settings)
        names = [r.source_file for r in results]
        mismatches = conn.execute(
            """
            SELECT l.source_file, l.lines_read, l.lines_loaded, l.duplicates, l.quarantined,
                   (SELECT count(*) FROM raw.events e WHERE e.source_file = l.source_file) AS rows_in_table,
                   (SELECT count(*) FROM ops.quarantine q WHERE q.source_file = l.source_file) AS rows_quarantined
            FROM ops.load_log l
            WHERE list_contains(?, l.source_file)
            """,
            [names],
        ).fetchall()
        reasons = quarantine_reasons(conn, names)
    bad = [
        row[0]
        for row in mismatches
        if row[2] + row[3] + row[4] != row[1] or row[2] != row[5] or row[4] != row[6]
    ]
    totals = {
        k: sum(getattr(r, k) for r in results)
        for k in ("lines_read", "lines_loaded", "duplicates", "quarantined")
    }
    if not files:
        context.log.warning(
            f"no landing files for {context.partition_key_range} in {settings.events_dir}"
        )
    preview = "\n".join(
        ["| file | read | loaded | duplicates | quarantined |", "|---|---:|---:|---:|---:|"]
        + [
            f"| {r.source_file} | {r.lines_read} | {r.lines_loaded} | {r.duplicates} | {r.quarantined} |"
            for r in results[:20]
        ]
    )
    yield dg.MaterializeResult(
        metadata={
            "files": len(results),
            **{k: dg.MetadataValue.int(v) for k, v in totals.items()},
            "quarantine_by_reason": dg.MetadataValue.json(reasons),
            "load_log": dg.MetadataValue.md(preview),
        }
    )
    yield dg.AssetCheckResult(
        check_name=LOAD_LOG_CHECK,
        passed=not bad,
        metadata={"files_checked": len(mismatches), "unbalanced_files": dg.MetadataValue.json(bad)},
    )
