"""Resources shared by every domain, chosen in one place from the environment."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.settings import Settings, load_settings
from pipelines.warehouse import prepare

# Every asset that writes the warehouse runs in this pool; dagster.yaml limits it to one
# slot, so concurrent runs queue instead of failing on DuckDB's single-writer lock.
DUCKDB_POOL = "duckdb"


def warehouse_resource(settings: Settings | None = None) -> DuckDBResource:
    settings = settings or load_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(settings.warehouse_path))


@contextlib.contextmanager
def open_warehouse(resource: DuckDBResource) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse connection with Retainly's macros and base schema in place."""
    with resource.get_connection() as conn:
        try:
            yield prepare(conn)
        finally:
            # dagster-duckdb closes it only when the asset succeeds; left open after a
            # failure, it blocks other connections of the process (another configuration).
            conn.close()
