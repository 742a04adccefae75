"""Asset metadata and the load-log check, the same for every ingestion asset."""

import dagster as dg
import duckdb

from pipelines.ingest.load import (
    LoadResult,
    load_log_markdown,
    load_totals,
    quarantine_reasons,
    unbalanced_files,
)

LOAD_LOG_CHECK = "load_log_balanced"
LOAD_LOG_CHECK_DESCRIPTION = (
    "For every file: loaded + duplicates + quarantined = lines read, and the load log agrees "
    "with the rows actually in raw.events and ops.quarantine."
)


def load_log_check_spec(asset_key: list[str]) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        LOAD_LOG_CHECK, asset=asset_key, blocking=True, description=LOAD_LOG_CHECK_DESCRIPTION
    )


def ingestion_result(
    conn: duckdb.DuckDBPyConnection, source: str, results: list[LoadResult], **metadata
) -> dg.MaterializeResult:
    names = [r.source_file for r in results]
    checked, bad = unbalanced_files(conn, source)
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "files": len(results),
            **{k: dg.MetadataValue.int(v) for k, v in load_totals(results).items()},
            "quarantine_by_reason": dg.MetadataValue.json(quarantine_reasons(conn, names)),
            "load_log": dg.MetadataValue.md(load_log_markdown(results)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=LOAD_LOG_CHECK,
                passed=not bad,
                metadata={"files_checked": checked, "unbalanced_files": dg.MetadataValue.json(bad)},
            )
        ],
    )
