"""Shared fixtures: a fresh $RETAINLY_HOME per test and a real DuckDB warehouse built
from hand-written Segment events through the real ingestion and core SQL."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.config import DEFAULTS_DIR, Definitions, load_definitions
from pipelines.core.build import build_events, build_identity_map, build_users
from pipelines.ingest.landing import list_event_files
from pipelines.ingest.segment import ingest_files
from pipelines.settings import Settings, load_settings
from pipelines.warehouse import connect

TESTS_DIR = Path(__file__).parent
DATA_DIR = TESTS_DIR / "data"


def isolated_environment(mp: pytest.MonkeyPatch, home: Path) -> None:
    """Point RETAINLY_HOME at ``home`` with the default zone/week/start and no outside services."""
    for key in (
        "RETAINLY_SERVING_URL",
        "GA4_PROPERTY_ID",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GRAFANA_URL",
        "GRAFANA_TOKEN",
        "RETAINLY_AS_OF",
    ):
        mp.delenv(key, raising=False)
    mp.setenv("RETAINLY_HOME", str(home))
    mp.setenv("RETAINLY_TIMEZONE", "Asia/Seoul")
    mp.setenv("RETAINLY_WEEK_START", "monday")
    mp.setenv("RETAINLY_START_DATE", "2020-01-01")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings rooted in a temporary RETAINLY_HOME (also exported for code that reads the env)."""
    isolated_environment(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    return load_settings()


@pytest.fixture
def definitions(settings: Settings) -> Definitions:
    return load_definitions(home=settings.home)


def write_events(events_dir: Path, day: str, events: Iterable[dict | str], gz: bool = True) -> Path:
    """One landing file for ``day``; a ``str`` item is written verbatim (for bad lines)."""
    events_dir.mkdir(parents=True, exist_ok=True)
    path = events_dir / (f"{day}.jsonl.gz" if gz else f"{day}.jsonl")
    text = "".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def build_core(
    conn: duckdb.DuckDBPyConnection, settings: Settings, definitions: Definitions
) -> None:
    ingest_files(conn, list_event_files(settings.events_dir), settings)
    build_identity_map(conn)
    build_events(conn, definitions, settings.timezone)
    build_users(conn, settings)


@pytest.fixture
def warehouse(settings: Settings) -> Iterable[duckdb.DuckDBPyConnection]:
    conn = connect(settings.warehouse_path)
    yield conn
    conn.close()


@pytest.fixture
def load_events(
    settings: Settings, definitions: Definitions, warehouse: duckdb.DuckDBPyConnection
) -> Callable[[dict[str, list[dict | str]]], duckdb.DuckDBPyConnection]:
    """``load_events({"2024-03-01": [event, ...], ...})`` → warehouse with raw/core tables built."""

    def _load(files: dict[str, list[dict | str]]) -> duckdb.DuckDBPyConnection:
        for day, events in files.items():
            write_events(settings.events_dir, day, events)
        build_core(warehouse, settings, definitions)
        return warehouse

    return _load


def track(
    event: str, ts: str, user_id: str | None = None, anonymous_id: str | None = None, **properties
) -> dict:
    """A Segment ``track`` event; ``ts`` is ISO 8601 with an offset."""
    message = {"type": "track", "event": event, "timestamp": ts, "properties": properties}
    message["messageId"] = f"{event}|{ts}|{user_id}|{anonymous_id}"
    if user_id:
        message["userId"] = user_id
    if anonymous_id:
        message["anonymousId"] = anonymous_id
    return message


def page(
    ts: str,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    url: str = "https://app.example/",
    name: str = "Home",
) -> dict:
    message = {"type": "page", "name": name, "timestamp": ts, "context": {"page": {"url": url}}}
    message["messageId"] = f"page|{ts}|{user_id}|{anonymous_id}|{url}"
    if user_id:
        message["userId"] = user_id
    if anonymous_id:
        message["anonymousId"] = anonymous_id
    return message


DEMO_USERS = 3_000
DEMO_DAYS = 120
DEMO_START = "2026-01-05"  # a Monday, fixed so numbers in tests are stable


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A small demo warehouse built once per test session by the real pipeline
    (generator → every asset), for tests that need realistic marts (model, audiences,
    dashboards). Treat it as read-only."""
    import datetime as dt

    from pipelines.ga4.demo_export import write_demo_export
    from pipelines.generate import generate_demo
    from pipelines.runner import materialize_pipeline

    home = tmp_path_factory.mktemp("demo") / "home"
    with pytest.MonkeyPatch.context() as mp:
        isolated_environment(mp, home)
        settings = load_settings()
        # The small demo trains the model with lower class minimums than the 1,000/1,000 default.
        defaults = yaml.safe_load((DEFAULTS_DIR / "retainly.yaml").read_text())
        defaults["model"].update(min_positives=200, min_negatives=200)
        home.mkdir(parents=True, exist_ok=True)
        (home / "retainly.yaml").write_text(yaml.safe_dump(defaults, allow_unicode=True))
        generate_demo(
            settings.events_dir,
            users=DEMO_USERS,
            days=DEMO_DAYS,
            seed=11,
            start=dt.date.fromisoformat(DEMO_START),
            timezone=settings.timezone,
        )
        write_demo_export(
            settings, start=dt.date.fromisoformat(DEMO_START), days=DEMO_DAYS, seed=11
        )
        summary = materialize_pipeline(settings)
        assert not summary.failed, (summary.failed_checks, summary.failed_steps)
    return settings
