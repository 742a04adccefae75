import dagster as dg

from pipelines.settings import load_settings

_settings = load_settings()

# One partition per completed local day in the reporting zone; a partition holds the
# landing files named for that day (late events inside them keep their true event_date).
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=_settings.start_date.isoformat(),
    timezone=_settings.timezone,
)


def existing_partition_keys(keys: list[str]) -> list[str]:
    """The keys that are partitions now: today's file waits until the day is over."""
    last = daily_partitions.get_last_partition_key()
    first = daily_partitions.get_first_partition_key()
    return [k for k in keys if last is not None and first <= k <= last]
