import dagster as dg

from pipelines.defs.serving.assets import grafana_dashboards, serving_postgres

defs = dg.Definitions(assets=[serving_postgres, grafana_dashboards])
