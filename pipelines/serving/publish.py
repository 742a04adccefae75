"""Publish DuckDB tables to PostgreSQL schema ``serving`` for Grafana.

Every table in DuckDB schema ``marts`` becomes ``serving.<table>``; every table in ``ops``
becomes ``serving.ops_<table>`` (one schema, so the Grafana role's grant is exactly
"SELECT on ``serving``"). ``ops.quarantine`` is published without its ``raw`` column: the
rejected input lines may carry personal data, and the dashboard only counts them.

Per table, in one PostgreSQL transaction: create ``serving._stage_<table>``, ``COPY`` the
rows into it (DuckDB writes CSV, psycopg streams it with ``COPY ... FROM STDIN``), build the
indexes, drop the old table and rename the staging table (and its indexes) into place.
Readers keep seeing the old table until the commit and the new one after it, never a half
table; a failure rolls back and leaves the old table as it was.

Types: DuckDB → PostgreSQL by ``pg_type``; lists, structs and maps become ``jsonb``.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
import sqlalchemy as sa
from psycopg import sql

from pipelines.serving.target import READER_PASSWORD_ENV

SCHEMA = "serving"
SOURCE_SCHEMAS = {"marts": "", "ops": "ops_"}  # DuckDB schema → prefix of the serving table
EXCLUDED_COLUMNS = {"ops.quarantine": frozenset({"raw"})}
# Per-user hashed contact details and ad ids stay in the warehouse: Grafana needs only the
# audience counts (audience_exports, audience_history), never who is in an audience.
EXCLUDED_TABLES = frozenset(
    {"marts.audience_members", "marts.audience_members_wide", "marts.audience_changes"}
)
# Columns the dashboards filter or group on besides dates: one composite index when present.
SEGMENT_COLUMNS = ("segment_type", "segment_value")
_COPY_CHUNK = 1 << 20
_MAX_IDENTIFIER = 63

_SCALAR_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "UTINYINT": "smallint",
    "INTEGER": "integer",
    "USMALLINT": "integer",
    "BIGINT": "bigint",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric",
    "HUGEINT": "numeric",
    "UHUGEINT": "numeric",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "UUID": "uuid",
    "JSON": "jsonb",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "BLOB": "bytea",
}
_INDEXED_TYPES = {"date", "timestamp", "timestamptz"}


class PublishError(RuntimeError):
    """A table could not be published; the message names it."""


@dataclass(frozen=True)
class Column:
    name: str
    duckdb_type: str

    @property
    def pg_type(self) -> str:
        return pg_type(self.duckdb_type)

    @property
    def select_expression(self) -> str:
        """How DuckDB renders the column into CSV text PostgreSQL parses as ``pg_type``."""
        quoted = _quote(self.name)
        if self.pg_type == "jsonb":
            return (
                f"{quoted}::VARCHAR"
                if self.duckdb_type == "JSON"
                else f"to_json({quoted})::VARCHAR"
            )
        if self.pg_type == "bytea":
            return f"'\\x' || hex({quoted})"
        if self.duckdb_type.startswith("ENUM"):
            return f"{quoted}::VARCHAR"
        return quoted


@dataclass(frozen=True)
class PublishedTable:
    source: str
    target: str
    rows: int
    columns: list[str]
    indexes: list[str] = field(default_factory=list)


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type for a DuckDB column type (as ``DESCRIBE`` prints it)."""
    base = duckdb_type.strip().upper()
    if base in _SCALAR_TYPES:
        return _SCALAR_TYPES[base]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", base)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    if base.endswith("]") or base.startswith(("STRUCT", "MAP", "UNION")):
        return "jsonb"
    return "text"  # ENUM, BIT, VARINT, … as their text form


def source_tables(duck: duckdb.DuckDBPyConnection) -> list[str]:
    """``schema.table`` for every table and view in the published DuckDB schemas, sorted."""
    rows = duck.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema IN (SELECT unnest(?)) "
        "ORDER BY table_schema, table_name",
        [list(SOURCE_SCHEMAS)],
    ).fetchall()
    return [
        f"{schema}.{table}" for schema, table in rows if f"{schema}.{table}" not in EXCLUDED_TABLES
    ]


def serving_name(qualified_source: str) -> str:
    schema, table = qualified_source.split(".")
    return SOURCE_SCHEMAS[schema] + table


def publish_warehouse(
    duck: duckdb.DuckDBPyConnection, engine: sa.Engine, reader_role: str | None = None
) -> list[PublishedTable]:
    """Publish every table of ``marts`` and ``ops``; each table is swapped in atomically."""
    ensure_schema(engine, reader_role)
    published = []
    for source in source_tables(duck):
        schema, table = source.split(".")
        published.append(
            publish_relation(
                duck, engine, f"{_quote(schema)}.{_quote(table)}", serving_name(source),
                exclude=EXCLUDED_COLUMNS.get(source, frozenset()), reader_role=reader_role, source=source,
            )
        )  # fmt: skip
    return published


def ensure_schema(engine: sa.Engine, reader_role: str | None = None) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        if reader_role:
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {_quote(reader_role)}")


def publish_relation(
    duck: duckdb.DuckDBPyConnection,
    engine: sa.Engine,
    relation: str,
    target: str,
    *,
    exclude: Iterable[str] = (),
    reader_role: str | None = None,
    source: str | None = None,
) -> PublishedTable:
    """Replace ``serving.<target>`` with the rows of DuckDB ``relation`` in one transaction.

    ``relation`` is a DuckDB table/view name (quoted as needed) or a registered DataFrame.
    """
    excluded = set(exclude)
    columns = [
        Column(name, column_type)
        for name, column_type, *_ in duck.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        if name not in excluded
    ]
    if not columns:
        raise PublishError(f"{relation}: no columns to publish")
    stage = _identifier(f"_stage_{target}")
    indexes = _index_plan(target, columns)
    with tempfile.TemporaryDirectory(prefix="retainly-serving-") as tmp:
        csv_path = Path(tmp) / "rows.csv"
        select = ", ".join(c.select_expression for c in columns)
        duck.execute(
            f"COPY (SELECT {select} FROM {relation}) TO '{csv_path}' (FORMAT csv, HEADER false)"
        )
        try:
            rows = _swap_in(engine, target, stage, columns, indexes, csv_path, reader_role)
        except Exception as exc:
            raise PublishError(
                f"publishing {source or relation} to {SCHEMA}.{target} failed: {exc}"
            ) from exc
    return PublishedTable(
        source=source or relation, target=f"{SCHEMA}.{target}", rows=rows,
        columns=[c.name for c in columns], indexes=[name for name, _ in indexes],
    )  # fmt: skip


def _swap_in(engine, target, stage, columns, indexes, csv_path: Path, reader_role) -> int:
    schema, target_id, stage_id = (
        sql.Identifier(SCHEMA),
        sql.Identifier(target),
        sql.Identifier(stage),
    )
    column_defs = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in columns
    )
    column_names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        with pg.transaction(), pg.cursor() as cur:
            # Publishers of the same table queue here instead of colliding on the staging name.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{SCHEMA}.{target}"])
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(schema, stage_id))
            cur.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(schema, stage_id, column_defs))
            copy_sql = sql.SQL("COPY {}.{} ({}) FROM STDIN WITH (FORMAT csv)").format(
                schema, stage_id, column_names
            )
            with cur.copy(copy_sql) as copy, open(csv_path, "rb") as handle:
                while chunk := handle.read(_COPY_CHUNK):
                    copy.write(chunk)
            rows = cur.rowcount
            for name, index_columns in indexes:
                cur.execute(
                    sql.SQL("CREATE INDEX {} ON {}.{} ({})").format(
                        sql.Identifier(_staged_index(name)), schema, stage_id,
                        sql.SQL(", ").join(sql.Identifier(c) for c in index_columns),
                    )
                )  # fmt: skip
            cur.execute(sql.SQL("ANALYZE {}.{}").format(schema, stage_id))
            # The swap: from here to the commit the old table is locked, then the new one is visible.
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(schema, target_id))
            cur.execute(
                sql.SQL("ALTER TABLE {}.{} RENAME TO {}").format(schema, stage_id, target_id)
            )
            for name, _ in indexes:
                cur.execute(
                    sql.SQL("ALTER INDEX {}.{} RENAME TO {}").format(
                        schema, sql.Identifier(_staged_index(name)), sql.Identifier(name)
                    )
                )
            if reader_role:
                cur.execute(
                    sql.SQL("GRANT SELECT ON {}.{} TO {}").format(
                        schema, target_id, sql.Identifier(reader_role)
                    )
                )
    finally:
        raw.close()
    return rows


def _index_plan(target: str, columns: list[Column]) -> list[tuple[str, list[str]]]:
    """One index per date/timestamp column, plus (segment_type, segment_value) when present."""
    plan = [
        (_identifier(f"{target}__{c.name}"), [c.name])
        for c in columns
        if c.pg_type in _INDEXED_TYPES
    ]
    names = {c.name for c in columns}
    if set(SEGMENT_COLUMNS) <= names:
        plan.append((_identifier(f"{target}__segment"), list(SEGMENT_COLUMNS)))
    return plan


def _staged_index(name: str) -> str:
    return _identifier(f"_stage_{name}")


def _identifier(name: str) -> str:
    """PostgreSQL truncates identifiers at 63 bytes; keep long ones unique with a hash."""
    if len(name.encode()) <= _MAX_IDENTIFIER:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: _MAX_IDENTIFIER - 9]}_{digest}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def ensure_reader_role(engine: sa.Engine, role: str, password: str, database: str) -> None:
    """A login role that can read ``serving`` and nothing else, its sessions read-only."""
    with engine.begin() as conn:
        pg = conn.connection.driver_connection
        with pg.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            # A new role gets no privileges; an existing one only a new password (changing its
            # other attributes would need SUPERUSER on PostgreSQL 16+).
            if cur.fetchone():
                statement = "ALTER ROLE {} WITH LOGIN PASSWORD {}"
            else:
                statement = "CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD {}"
            try:
                cur.execute(sql.SQL(statement).format(sql.Identifier(role), sql.Literal(password)))
            except psycopg.errors.InsufficientPrivilege as exc:
                raise PublishError(
                    f"cannot create or update role {role!r} ({exc.diag.message_primary}; {exc.diag.message_detail}). "
                    f"Let a superuser manage it and unset {READER_PASSWORD_ENV}, or grant the publishing "
                    f"user CREATEROLE and ADMIN OPTION on {role!r}."
                ) from exc
            cur.execute(
                sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(
                    sql.Identifier(role)
                )
            )
            cur.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                    sql.Identifier(database), sql.Identifier(role)
                )
            )
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
            cur.execute(
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                    sql.Identifier(SCHEMA), sql.Identifier(role)
                )
            )
            cur.execute(
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                    sql.Identifier(SCHEMA), sql.Identifier(role)
                )
            )
            cur.execute(
                sql.SQL(
                    "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}"
                ).format(sql.Identifier(SCHEMA), sql.Identifier(role))
            )


def publish_all(
    duck: duckdb.DuckDBPyConnection,
    url: str,
    *,
    database: str,
    reader_role: str,
    reader_password: str | None,
    extra: dict[str, object] | None = None,
) -> list[PublishedTable]:
    """Publish the warehouse (and ``extra`` DataFrames as ``serving.<name>``) to ``url``.

    The reader role is created or updated when ``reader_password`` is given; otherwise it is
    granted SELECT only if it already exists (a DBA may manage it on a real server).
    """
    engine = sa.create_engine(url)
    try:
        if reader_password:
            ensure_reader_role(engine, reader_role, reader_password, database)
        with engine.connect() as conn:
            role_exists = conn.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": reader_role}
            ).first()
        role = reader_role if role_exists else None
        published = publish_warehouse(duck, engine, reader_role=role)
        for name, frame in (extra or {}).items():
            view = f"_serving_extra_{name}"
            duck.register(view, frame)
            try:
                published.append(
                    publish_relation(
                        duck, engine, _quote(view), name, reader_role=role, source=name
                    )
                )
            finally:
                duck.unregister(view)
        return published
    finally:
        engine.dispose()
