import dagster as dg

from pipelines.defs.ga4.assets import (
    ga4_export_events,
    ga4_reconciliation,
    ga4_reports,
    ga4_traffic_daily,
)
from pipelines.defs.ga4.sensors import ga4_export_job, ga4_export_sensor

defs = dg.Definitions(
    assets=[ga4_export_events, ga4_reports, ga4_traffic_daily, ga4_reconciliation],
    jobs=[ga4_export_job],
    sensors=[ga4_export_sensor],
)
