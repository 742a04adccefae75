"""The Dagster code location: every domain under ``pipelines/defs`` merged, nothing listed by hand."""

import importlib
import pkgutil

import dagster as dg

import pipelines.defs
from pipelines.resources import warehouse_resource


def _domain_defs() -> list[dg.Definitions]:
    modules = sorted(m.name for m in pkgutil.iter_modules(pipelines.defs.__path__) if m.ispkg)
    return [importlib.import_module(f"pipelines.defs.{name}").defs for name in modules]


defs = dg.Definitions.merge(
    *_domain_defs(),
    dg.Definitions(
        resources={"duckdb": warehouse_resource()},
        # Steps of a run share one process: one DuckDB writer at a time.
        executor=dg.in_process_executor,
    ),
)
