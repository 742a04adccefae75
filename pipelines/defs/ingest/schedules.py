import dagster as dg

from pipelines.defs.ingest.partitions import daily_partitions

# Ingest only: what the landing sensor starts for each new or changed file.
ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.assets(["raw", "events"]),
    partitions_def=daily_partitions,
)

# Everything: yesterday's files, then every downstream table rebuilt.
daily_job = dg.define_asset_job(
    "daily_job",
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
)

# 02:00 in the reporting zone (the partitions' time zone), for the day that just ended.
daily_schedule = dg.build_schedule_from_partitioned_job(daily_job, hour_of_day=2, minute_of_hour=0)
