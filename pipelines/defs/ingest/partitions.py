import dagster as dg

from pipelines.settings import load_settings

_settings = load_settings()

# One partition per local day in the reporting zone; a partition holds the landing
# files named for that day (late events inside them keep their true event_date).
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=_settings.start_date.isoformat(),
    timezone=_settings.timezone,
    end_offset=1,
)
