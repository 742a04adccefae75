import json

import dagster as dg

from pipelines.defs.ingest.partitions import existing_partition_keys
from pipelines.ingest.landing import LandingFile, list_event_files
from pipelines.settings import load_settings

from .schedules import ingest_job


def landing_run_requests(
    files: list[LandingFile], cursor: str | None
) -> tuple[list[dg.RunRequest], str]:
    """Run requests for partitions whose files are new or changed since ``cursor``.

    The cursor maps file name → fingerprint (size:mtime); the run key includes the
    fingerprint so a replaced file is ingested again, an unchanged one never twice.
    """
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    changed: dict[str, list[LandingFile]] = {}
    ready = set(existing_partition_keys(sorted({f.day.isoformat() for f in files})))
    for file in files:
        if file.day.isoformat() in ready and seen.get(file.path.name) != file.fingerprint:
            changed.setdefault(file.day.isoformat(), []).append(file)
            seen[file.path.name] = file.fingerprint
    requests = [
        dg.RunRequest(
            partition_key=day,
            run_key="|".join(f"{f.path.name}@{f.fingerprint}" for f in day_files),
        )
        for day, day_files in sorted(changed.items())
    ]
    return requests, json.dumps(seen, sort_keys=True)


@dg.sensor(job=ingest_job, minimum_interval_seconds=60)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Ingests landing files as they arrive or change."""
    files = list_event_files(load_settings().events_dir)
    requests, cursor = landing_run_requests(files, context.cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
