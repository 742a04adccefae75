"""The DuckDB warehouse: connections, the SQL model files and the base schema.

Every SQL statement the pipeline runs lives in ``sql/<layer>/<name>.sql``; this
module finds and runs them with bound parameters, never pasted values.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

_REPO_SQL = Path(__file__).resolve().parent.parent / "sql"
_PACKAGED_SQL = Path(__file__).resolve().parent / "_sql"
SQL_DIR = _REPO_SQL if _REPO_SQL.is_dir() else _PACKAGED_SQL

# Keeps a 100M-event warehouse inside a 4 GB budget; DuckDB spills beyond it.
DEFAULT_MEMORY_LIMIT = os.environ.get("RETAINLY_DUCKDB_MEMORY_LIMIT", "3GB")


@cache
def sql_text(name: str) -> str:
    """The text of ``sql/<name>.sql`` (``name`` like ``"core/users"``)."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no SQL model {name!r} at {path}")
    return path.read_text()


def run_sql(
    conn: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> list[tuple]:
    """Run one SQL model file; ``$name`` placeholders are bound from ``params``.

    Only the parameters a statement uses are passed to it, so one dict can serve a
    multi-statement file. Returns the rows of the last statement.
    """
    rows: list[tuple] = []
    for statement in split_statements(sql_text(name)):
        rows = execute(conn, statement, params).fetchall()
    return rows


def query_df(conn: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None):
    """Run a single-``SELECT`` SQL file and return its result as a pandas DataFrame."""
    return execute(conn, sql_text(name), params).df()


def execute(
    conn: duckdb.DuckDBPyConnection, statement: str, params: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", statement)}
    return conn.execute(statement, used) if used else conn.execute(statement)


def split_statements(text: str) -> list[str]:
    """Split a SQL file on ``;`` at line ends, ignoring comment-only chunks."""
    statements, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line.rstrip().endswith(";") and not line.lstrip().startswith("--"):
            statements.append("\n".join(current))
            current = []
    statements.append("\n".join(current))
    return [s for s in statements if _has_code(s)]


def _has_code(statement: str) -> bool:
    return any(
        line.strip() and not line.strip().startswith("--") for line in statement.splitlines()
    )


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with our macros loaded and the schema in place."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    prepare(conn, create_schema=not read_only)
    return conn


def prepare(
    conn: duckdb.DuckDBPyConnection, create_schema: bool = True
) -> duckdb.DuckDBPyConnection:
    """Load our macros (and create the base tables) on a connection from anywhere."""
    conn.execute(f"SET memory_limit = '{DEFAULT_MEMORY_LIMIT}'")
    conn.execute("SET enable_progress_bar = false")  # bars would fill Dagster's and CI's logs
    # Local dates always name the reporting zone explicitly; the session zone (by default the
    # machine's) is fixed to UTC so that nothing else depends on where Retainly runs: a
    # timestamp without an offset reads as UTC, and TIMESTAMPTZ arithmetic such as
    # `+ INTERVAL 1 DAY` never meets a daylight-saving change.
    conn.execute("SET TimeZone = 'UTC'")
    run_sql(conn, "core/macros")
    if create_schema:
        run_sql(conn, "core/schema")
    return conn


@contextlib.contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: a failure leaves the tables as they were."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def table_exists(conn: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    schema, table = qualified_name.split(".")
    return bool(
        conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def column_exists(conn: duckdb.DuckDBPyConnection, qualified_name: str, column: str) -> bool:
    """For warehouses built by an older release (tables missing a newer column)."""
    schema, table = qualified_name.split(".")
    return bool(
        conn.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? AND column_name = ?",
            [schema, table, column],
        ).fetchone()[0]
    )


def row_count(conn: duckdb.DuckDBPyConnection, qualified_name: str) -> int:
    schema, table = qualified_name.split(".")
    return conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]


def table_preview(conn: duckdb.DuckDBPyConnection, qualified_name: str, limit: int = 10) -> str:
    """The first rows as a Markdown table, for asset metadata in the Dagster UI."""
    import pandas as pd

    schema, table = qualified_name.split(".")
    # Python rows, not .df(): DuckDB's pandas conversion of TIMESTAMPTZ columns calls an
    # API pandas 3 deprecates (a Pandas4Warning on every preview), and all is text here.
    result = conn.execute(f'SELECT * FROM "{schema}"."{table}" LIMIT {int(limit)}')
    columns = [d[0] for d in result.description]
    rows = result.fetchall()
    if not rows:
        return "(no rows)"
    return pd.DataFrame(rows, columns=columns, dtype=object).astype(str).to_markdown(index=False)
