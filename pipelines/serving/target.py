"""Where the marts are published: ``RETAINLY_SERVING_URL``, or the embedded server.

The database is ``retainly`` on the embedded server; with ``RETAINLY_SERVING_URL`` it is
whatever the URL names. Grafana reads it as ``grafana_reader`` (password from
``RETAINLY_GRAFANA_DB_PASSWORD``; only the embedded demo server falls back to a default).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pipelines.serving.embedded import EmbeddedPostgres
from pipelines.settings import Settings

DATABASE = "retainly"
READER_ROLE = "grafana_reader"
READER_PASSWORD_ENV = "RETAINLY_GRAFANA_DB_PASSWORD"
# Only ever used for the embedded server, which accepts TCP connections from 127.0.0.1 only.
DEMO_READER_PASSWORD = "retainly-demo-reader"


@dataclass(frozen=True)
class ServingTarget:
    url: str  # SQLAlchemy URL the publisher connects with
    embedded: bool
    reader_password: str | None  # None: do not create/alter the reader role
    host: str  # host:port as Grafana's datasource needs it
    database: str

    def describe(self) -> str:
        where = "embedded PostgreSQL" if self.embedded else "RETAINLY_SERVING_URL"
        return f"{where} at {self.host}/{self.database}"


def sqlalchemy_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` URLs → the psycopg 3 driver SQLAlchemy needs."""
    parsed = make_url(
        url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
    )
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(
            f"RETAINLY_SERVING_URL must be a PostgreSQL URL, got {parsed.get_backend_name()!r}"
        )
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def reader_password(embedded: bool) -> str | None:
    password = os.environ.get(READER_PASSWORD_ENV)
    if password:
        return password
    return DEMO_READER_PASSWORD if embedded else None


@contextlib.contextmanager
def serving_target(settings: Settings) -> Iterator[ServingTarget]:
    """The configured server, or an embedded one started for the block and stopped after it."""
    if settings.serving_url:
        url = make_url(sqlalchemy_url(settings.serving_url))
        yield ServingTarget(
            url=url.render_as_string(hide_password=False),
            embedded=False,
            reader_password=reader_password(embedded=False),
            host=f"{url.host or 'localhost'}:{url.port or 5432}",
            database=url.database or "postgres",
        )
        return
    settings.pg_dir.parent.mkdir(parents=True, exist_ok=True)
    with EmbeddedPostgres(settings.pg_dir) as server:
        ensure_database(server.admin_url(), DATABASE)
        yield ServingTarget(
            url=server.admin_url(DATABASE),
            embedded=True,
            reader_password=reader_password(embedded=True),
            host=f"127.0.0.1:{server.port}",
            database=DATABASE,
        )


def ensure_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()


GRAFANA_DB_HOST_ENV = "RETAINLY_GRAFANA_DB_HOST"


def grafana_datasource(settings: Settings, target: ServingTarget | None = None):
    """How Grafana should reach the serving database, without starting anything.

    ``RETAINLY_GRAFANA_DB_HOST`` overrides the host:port (e.g. ``postgres:5432`` inside
    docker-compose, where Grafana and the pipeline see the server under different names).
    """
    from dashboards.provision import DatasourceSettings

    if target is not None:
        host, database, embedded = target.host, target.database, target.embedded
    elif settings.serving_url:
        url = make_url(sqlalchemy_url(settings.serving_url))
        host, database, embedded = (
            f"{url.host or 'localhost'}:{url.port or 5432}",
            url.database or "postgres",
            False,
        )
    else:
        port_file = settings.pg_dir / "port"
        port = port_file.read_text().strip() if port_file.is_file() else "5432"
        host, database, embedded = f"127.0.0.1:{port}", DATABASE, True
    return DatasourceSettings(
        host=os.environ.get(GRAFANA_DB_HOST_ENV) or host,
        database=database,
        user=READER_ROLE,
        password=reader_password(embedded),
    )
