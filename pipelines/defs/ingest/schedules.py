import dagster as dg

# Ingest only: what the landing sensor starts for each new or changed file.
ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.assets(["raw", "events"]),
)

# Everything: yesterday's files, then every downstream table rebuilt.
daily_job = dg.define_asset_job(
    "daily_job",
    selection=dg.AssetSelection.all(),
)

# 02:00 in the reporting zone (the partitions' time zone), for the day that just ended.
daily_schedule = dg.build_schedule_from_partitioned_job(daily_job, hour_of_day=2, minute_of_hour=0)
