import dagster as dg

from pipelines.defs.core.assets import core_events, identity_map, users

defs = dg.Definitions(assets=[identity_map, core_events, users])
