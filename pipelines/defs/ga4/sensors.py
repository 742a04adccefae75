import json

import dagster as dg

from pipelines.ga4.export import ExportFile, list_export_files
from pipelines.settings import load_settings

# Ingest only, like the Segment landing sensor: the daily schedule rebuilds core and marts.
ga4_export_job = dg.define_asset_job(
    "ga4_export_job", selection=dg.AssetSelection.assets(["raw", "ga4_export_events"])
)


def export_run_request(
    files: list[ExportFile], cursor: str | None
) -> tuple[dg.RunRequest | None, str]:
    """One run request when any GA4 export file is new or changed since ``cursor``
    (file name → size:mtime); the asset itself loads only those files."""
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    changed = []
    for file in files:
        fingerprint = f"{file.size}:{int(file.mtime)}"
        if seen.get(file.path.name) != fingerprint:
            changed.append(f"{file.path.name}@{fingerprint}")
            seen[file.path.name] = fingerprint
    request = dg.RunRequest(run_key="|".join(changed)) if changed else None
    return request, json.dumps(seen, sort_keys=True)


@dg.sensor(job=ga4_export_job, minimum_interval_seconds=300)
def ga4_export_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Ingests GA4 export files dropped into landing/ga4_export/ as they arrive or change."""
    request, cursor = export_run_request(
        list_export_files(load_settings().ga4_export_dir), context.cursor
    )
    return dg.SensorResult(run_requests=[request] if request else [], cursor=cursor)
