import datetime as dt
import hashlib
import json

import dagster as dg

from pipelines.defs.ingest.partitions import existing_partition_keys
from pipelines.ingest.landing import LandingFile, list_event_files
from pipelines.settings import load_settings

from .schedules import ingest_job

# The tags of a run over a range of partitions, as Dagster's single-run backfills set them.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def landing_run_requests(
    files: list[LandingFile], cursor: str | None
) -> tuple[list[dg.RunRequest], str]:
    """Run requests for partitions whose files are new or changed since ``cursor``.

    The cursor maps file name → fingerprint (size:mtime); the run key includes the
    fingerprints so a replaced file is ingested again, an unchanged one never twice.
    Consecutive changed days share one run over their partition range (the asset's
    backfill policy is a single run): a first load of a year of files is one run, not 365.
    """
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    changed: dict[dt.date, list[LandingFile]] = {}
    ready = set(existing_partition_keys(sorted({f.day.isoformat() for f in files})))
    for file in files:
        if file.day.isoformat() in ready and seen.get(file.path.name) != file.fingerprint:
            changed.setdefault(file.day, []).append(file)
            seen[file.path.name] = file.fingerprint
    requests = [_run_request(days, changed) for days in _consecutive(sorted(changed))]
    return requests, json.dumps(seen, sort_keys=True)


def _consecutive(days: list[dt.date]) -> list[list[dt.date]]:
    runs: list[list[dt.date]] = []
    for day in days:
        if runs and day - runs[-1][-1] == dt.timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _run_request(days: list[dt.date], changed: dict[dt.date, list[LandingFile]]) -> dg.RunRequest:
    run_key = "|".join(f"{f.path.name}@{f.fingerprint}" for day in days for f in changed[day])
    if len(days) == 1:
        return dg.RunRequest(partition_key=days[0].isoformat(), run_key=run_key)
    return dg.RunRequest(
        # a year of files would make a 15 KB key: the range and a digest of the fingerprints
        run_key=f"{days[0]}..{days[-1]}@{hashlib.sha256(run_key.encode()).hexdigest()[:16]}",
        tags={
            RANGE_START_TAG: days[0].isoformat(),
            RANGE_END_TAG: days[-1].isoformat(),
        },
    )


@dg.sensor(job=ingest_job, minimum_interval_seconds=60)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Ingests landing files as they arrive or change."""
    files = list_event_files(load_settings().events_dir)
    requests, cursor = landing_run_requests(files, context.cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
