import dagster as dg

from pipelines.defs.audiences.assets import audience_exports, audience_members

defs = dg.Definitions(assets=[audience_members, audience_exports])
