"""Publishing DuckDB tables to a real (embedded) PostgreSQL: types, atomic swaps, idempotence,
the read-only Grafana role, and the embedded server's lifecycle."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest
import sqlalchemy as sa

from pipelines.serving import publish as publish_module
from pipelines.serving.embedded import EmbeddedPostgres
from pipelines.serving.publish import PublishError, pg_type, publish_all, publish_warehouse
from pipelines.serving.target import DATABASE, ensure_database, sqlalchemy_url

READER_PASSWORD = "test-reader-password"


@contextlib.contextmanager
def private_dir() -> Iterator[Path]:
    """A directory outside pytest's basetemp: concurrent pytest sessions of the same user
    prune each other's old basetemps, which would pull the data directory from under a
    running server."""
    path = Path(tempfile.mkdtemp(prefix="retainly-test-pg-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedPostgres]:
    with private_dir() as root, EmbeddedPostgres(root / "pg") as pg:
        ensure_database(pg.admin_url(), DATABASE)
        yield pg


@pytest.fixture
def engine(server: EmbeddedPostgres) -> Iterator[sa.Engine]:
    engine = sa.create_engine(server.admin_url(DATABASE))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS serving CASCADE")
    yield engine
    engine.dispose()


@pytest.fixture
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA marts; CREATE SCHEMA ops; CREATE SCHEMA core")
    yield conn
    conn.close()


def rows(engine: sa.Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql).fetchall()]


def test_types_nulls_and_text_survive_the_copy(duck, engine):
    duck.execute(
        """
        CREATE TABLE marts.sample AS
        SELECT 1::INTEGER AS n, 10::BIGINT AS big, sum(1) OVER () AS huge, 0.25::DOUBLE AS ratio,
               DATE '2026-01-05' AS date, TIMESTAMPTZ '2026-01-05 09:00:00+09' AS loaded_at, true AS flag,
               'comma, "quote"' || chr(10) || 'newline' AS text, '' AS empty, NULL::VARCHAR AS missing,
               [1, 2] AS list, {'a': 1} AS struct, 1.50::DECIMAL(10, 2) AS price
        """
    )
    publish_warehouse(duck, engine)
    types = dict(
        rows(
            engine,
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'serving' AND table_name = 'sample'",
        )
    )
    assert types == {
        "n": "integer", "big": "bigint", "huge": "numeric", "ratio": "double precision", "date": "date",
        "loaded_at": "timestamp with time zone", "flag": "boolean", "text": "text", "empty": "text",
        "missing": "text", "list": "jsonb", "struct": "jsonb", "price": "numeric",
    }  # fmt: skip
    (row,) = rows(
        engine,
        "SELECT n, big, ratio, date::text, loaded_at AT TIME ZONE 'UTC', flag, text, empty, missing, list, struct, price::text FROM serving.sample",
    )
    assert row[0:4] == (1, 10, 0.25, "2026-01-05")
    assert str(row[4]) == "2026-01-05 00:00:00"  # 09:00 in Seoul is midnight UTC
    assert row[5:9] == (True, 'comma, "quote"\nnewline', "", None)  # '' stays '', NULL stays NULL
    assert row[9:] == ([1, 2], {"a": 1}, "1.50")


def test_marts_and_ops_are_published_under_their_serving_names(duck, engine):
    duck.execute("CREATE TABLE marts.active_users AS SELECT DATE '2026-01-05' AS date, 3 AS dau")
    duck.execute(
        "CREATE TABLE ops.quarantine AS SELECT 'f.jsonl' AS source_file, 1 AS line_number, '{\"email\": \"x@y.z\"' AS raw, 'invalid_json' AS reason, now() AS quarantined_at"
    )
    duck.execute("CREATE TABLE core.users AS SELECT 'u1' AS user_key")
    # Who is in an audience (hashed contacts, ad ids) never leaves the warehouse.
    duck.execute(
        "CREATE TABLE marts.audience_members_wide AS SELECT 'u1' AS user_key, 'ab12' AS email_sha256"
    )
    duck.execute("CREATE VIEW marts.audience_members AS SELECT * FROM marts.audience_members_wide")
    duck.execute(
        "CREATE TABLE marts.audience_changes AS SELECT 'u1' AS user_key, 'entered' AS change"
    )
    published = publish_warehouse(duck, engine)
    assert [(p.source, p.target) for p in published] == [
        ("marts.active_users", "serving.active_users"),
        ("ops.quarantine", "serving.ops_quarantine"),
    ]
    columns = [
        r[0]
        for r in rows(
            engine,
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'ops_quarantine' ORDER BY ordinal_position",
        )
    ]
    assert columns == [
        "source_file",
        "line_number",
        "reason",
        "quarantined_at",
    ]  # no raw lines in Postgres
    indexes = {
        r[0] for r in rows(engine, "SELECT indexname FROM pg_indexes WHERE schemaname = 'serving'")
    }
    assert indexes == {"active_users__date", "ops_quarantine__quarantined_at"}


def test_republish_is_idempotent(duck, engine):
    duck.execute(
        "CREATE TABLE marts.retention AS SELECT DATE '2026-01-05' + i::INTEGER AS cohort_start, 'all' AS segment_type, "
        "'all' AS segment_value, i AS period_offset FROM range(100) t(i)"
    )
    snapshot = (
        "SELECT (SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'serving'),"
        " (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'serving'),"
        " (SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM serving.retention r)"
    )
    publish_warehouse(duck, engine)
    first = rows(engine, snapshot)
    publish_warehouse(duck, engine)
    assert rows(engine, snapshot) == first
    assert first[0][0] == "retention"  # no staging table left behind
    assert first[0][1] == "retention__cohort_start,retention__segment"


def test_a_reader_sees_the_old_or_the_new_table_never_a_mix(duck, engine, server):
    duck.execute("CREATE TABLE marts.big AS SELECT 1 AS version, i AS n FROM range(1000) t(i)")
    publish_warehouse(duck, engine)
    duck.execute(
        "CREATE OR REPLACE TABLE marts.big AS SELECT 2 AS version, i AS n FROM range(300000) t(i)"
    )

    seen: list[tuple] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            with psycopg.connect(
                sqlalchemy_url(server.admin_url(DATABASE)).replace("+psycopg", ""), autocommit=True
            ) as conn:
                while not stop.is_set():
                    seen.append(
                        conn.execute(
                            "SELECT count(*), min(version), max(version) FROM serving.big"
                        ).fetchone()
                    )
        except BaseException as exc:  # reported below: a reader must never fail
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        while not seen:
            time.sleep(0.01)
        publish_warehouse(duck, engine)
        count_after_publish = len(seen)
        while len(seen) < count_after_publish + 3:
            time.sleep(0.01)
    finally:
        stop.set()
        reader.join()
    assert not errors, errors
    assert set(seen) <= {(1000, 1, 1), (300000, 2, 2)}, set(seen) - {(1000, 1, 1), (300000, 2, 2)}
    assert seen[0] == (1000, 1, 1) and seen[-1] == (300000, 2, 2)


def test_a_failed_publish_leaves_the_old_table(duck, engine, monkeypatch):
    duck.execute("CREATE TABLE marts.daily AS SELECT DATE '2026-01-05' AS date, 1 AS v")
    publish_warehouse(duck, engine)
    duck.execute("CREATE OR REPLACE TABLE marts.daily AS SELECT DATE '2026-01-06' AS date, 2 AS v")
    monkeypatch.setattr(
        publish_module,
        "_index_plan",
        lambda target, columns: [("daily__broken", ["no_such_column"])],
    )
    with pytest.raises(PublishError, match="marts.daily"):
        publish_warehouse(duck, engine)
    assert rows(engine, "SELECT date::text, v FROM serving.daily") == [("2026-01-05", 1)]
    assert rows(engine, "SELECT count(*) FROM pg_tables WHERE schemaname = 'serving'") == [(1,)]


def test_grafana_reader_can_read_serving_and_nothing_else(duck, server, engine):
    duck.execute("CREATE TABLE marts.active_users AS SELECT DATE '2026-01-05' AS date, 3 AS dau")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS public.secrets AS SELECT 'x' AS token")
    publish_all(
        duck,
        server.admin_url(DATABASE),
        database=DATABASE,
        reader_role="grafana_reader",
        reader_password=READER_PASSWORD,
    )
    reader = sa.create_engine(server.tcp_url("grafana_reader", READER_PASSWORD, DATABASE))
    try:
        assert rows(reader, "SELECT dau FROM serving.active_users") == [(3,)]
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            rows(reader, "SELECT * FROM public.secrets")
        with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
            rows(reader, "CREATE TABLE serving.mine (a int)")
    finally:
        reader.dispose()
    wrong = sa.create_engine(server.tcp_url("grafana_reader", "wrong", DATABASE))
    with pytest.raises(sa.exc.OperationalError, match="password authentication failed"):
        rows(wrong, "SELECT 1")
    wrong.dispose()


def test_superuser_cannot_log_in_over_tcp(server):
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(
            host="127.0.0.1",
            port=server.port,
            user="postgres",
            dbname="postgres",
            connect_timeout=5,
        )


@pytest.fixture
def scratch() -> Iterator[Path]:
    with private_dir() as path:
        yield path


def test_embedded_server_restarts_on_its_data_and_stops_cleanly(scratch: Path):
    root = scratch / "pg"
    with EmbeddedPostgres(root) as pg:
        ensure_database(pg.admin_url(), DATABASE)
        engine = sa.create_engine(pg.admin_url(DATABASE))
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE kept AS SELECT 42 AS answer")
        engine.dispose()
        port = pg.port
    assert not EmbeddedPostgres(root).is_running()
    with EmbeddedPostgres(root) as again:
        assert again.port == port  # the same port when free, so a local Grafana keeps working
        engine = sa.create_engine(again.admin_url(DATABASE))
        assert rows(engine, "SELECT answer FROM kept") == [(42,)]
        engine.dispose()
        with EmbeddedPostgres(root) as nested:  # reuses the running server, does not stop it
            assert nested.port == again.port
        assert again.is_running()
    assert not again.is_running()


@pytest.mark.parametrize(
    ("duckdb_type", "expected"),
    [("VARCHAR", "text"), ("HUGEINT", "numeric"), ("DECIMAL(18,3)", "numeric(18,3)"), ("VARCHAR[]", "jsonb"),
     ("STRUCT(a INTEGER)", "jsonb"), ("MAP(VARCHAR, INTEGER)", "jsonb"), ("TIMESTAMP WITH TIME ZONE", "timestamptz"),
     ("ENUM('a', 'b')", "text"), ("JSON", "jsonb")],
)  # fmt: skip
def test_type_mapping(duckdb_type, expected):
    assert pg_type(duckdb_type) == expected


def test_publishing_to_a_server_named_by_retainly_serving_url(
    duck, server, engine, settings, monkeypatch
):
    """A server we do not manage: a plain ``postgresql://`` URL with a password-authenticated
    publisher; the reader role is created because RETAINLY_GRAFANA_DB_PASSWORD is set."""
    from pipelines.serving.target import grafana_datasource, serving_target
    from pipelines.settings import load_settings

    with engine.begin() as conn:
        conn.exec_driver_sql("DROP ROLE IF EXISTS publisher")
        if conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = 'grafana_reader'").first():
            conn.exec_driver_sql(
                "DROP OWNED BY grafana_reader"
            )  # created by a superuser in an earlier test
            conn.exec_driver_sql("DROP ROLE grafana_reader")
        conn.exec_driver_sql("CREATE ROLE publisher LOGIN CREATEROLE PASSWORD 'publisher-pw'")
        conn.exec_driver_sql(f"GRANT CREATE, CONNECT ON DATABASE {DATABASE} TO publisher")
    monkeypatch.setenv(
        "RETAINLY_SERVING_URL",
        f"postgresql://publisher:publisher-pw@127.0.0.1:{server.port}/{DATABASE}",
    )
    monkeypatch.setenv("RETAINLY_GRAFANA_DB_PASSWORD", "external-reader-pw")
    settings = load_settings()
    duck.execute("CREATE TABLE marts.active_users AS SELECT DATE '2026-01-05' AS date, 3 AS dau")
    with serving_target(settings) as target:
        assert not target.embedded and target.host == f"127.0.0.1:{server.port}"
        publish_all(
            duck,
            target.url,
            database=target.database,
            reader_role="grafana_reader",
            reader_password=target.reader_password,
        )
    assert not (settings.pg_dir / "data").exists(), (
        "no embedded server when RETAINLY_SERVING_URL is set"
    )
    reader = sa.create_engine(server.tcp_url("grafana_reader", "external-reader-pw", DATABASE))
    assert rows(reader, "SELECT dau FROM serving.active_users") == [(3,)]
    reader.dispose()
    with engine.begin() as conn:  # a role the publisher may not alter fails with a clear message
        conn.exec_driver_sql("CREATE ROLE dba_managed LOGIN")
    with pytest.raises(
        PublishError, match="cannot create or update role 'dba_managed'.*ADMIN OPTION"
    ):
        publish_all(
            duck,
            target.url,
            database=target.database,
            reader_role="dba_managed",
            reader_password="x",
        )
    datasource = grafana_datasource(settings)
    assert (datasource.host, datasource.database, datasource.password) == (
        f"127.0.0.1:{server.port}",
        DATABASE,
        "external-reader-pw",
    )


def test_serving_asset_waits_for_every_mart():
    import dagster as dg

    from pipelines.definitions import defs

    graph = defs.get_repository_def().asset_graph
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    postgres = dg.AssetKey(["serving", "postgres"])
    assert marts and marts <= set(graph.get(postgres).parent_keys)
    assert graph.get(dg.AssetKey(["serving", "grafana_dashboards"])).parent_keys == {postgres}
