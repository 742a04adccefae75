import dagster as dg

from pipelines.defs.metrics.assets import assets

defs = dg.Definitions(assets=assets)
