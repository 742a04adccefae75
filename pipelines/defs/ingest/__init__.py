import dagster as dg

from pipelines.defs.ingest.assets import raw_events
from pipelines.defs.ingest.schedules import daily_job, daily_schedule, ingest_job
from pipelines.defs.ingest.sensors import landing_sensor

defs = dg.Definitions(
    assets=[raw_events],
    jobs=[ingest_job, daily_job],
    schedules=[daily_schedule],
    sensors=[landing_sensor],
)
