"""Push the Retainly folder, datasource and dashboards through Grafana's HTTP API.

Idempotent: the folder and the datasource are looked up by uid and created only when
missing (the datasource is updated in place otherwise, which also resets its password);
every dashboard is saved with ``overwrite: true`` under its fixed uid, so a second push
creates nothing new (Grafana records a new version of each dashboard).

Endpoints used: ``GET /api/frontend/settings`` (version; fails early on bad credentials), ``GET/POST /api/folders[/<uid>]``,
``GET/POST /api/datasources``, ``GET/PUT /api/datasources/uid/<uid>``,
``POST /api/dashboards/db``. The token needs the Admin role (datasources) — a service
account token is the usual choice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import niquests
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaClientError, GrafanaException, GrafanaTimeoutError

from dashboards.common import DATASOURCE_TYPE, DATASOURCE_UID, FOLDER_TITLE, FOLDER_UID

DATASOURCE_NAME = "Retainly PostgreSQL"


class ProvisionError(RuntimeError):
    """Grafana refused or could not be reached; the message says what to fix."""


@dataclass(frozen=True)
class DatasourceSettings:
    """How Grafana reaches the serving database (may differ from how the pipeline does)."""

    host: str  # host:port as seen from the Grafana server
    database: str
    user: str
    password: str | None
    sslmode: str = "disable"

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access": "proxy",
            "basicAuth": False,
            "isDefault": False,
            "jsonData": {
                "database": self.database,
                "sslmode": self.sslmode,
                "postgresVersion": 1600,
                "timescaledb": False,
            },
            "name": DATASOURCE_NAME,
            "type": DATASOURCE_TYPE,
            "uid": DATASOURCE_UID,
            "url": self.host,
            "user": self.user,
        }
        if self.password:
            body["secureJsonData"] = {"password": self.password}
        return body


@dataclass
class PushReport:
    folder: str = ""
    datasource: str = ""
    dashboards: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        boards = ", ".join(f"{uid} ({status})" for uid, status in self.dashboards.items())
        return f"folder {FOLDER_UID}: {self.folder}; datasource {DATASOURCE_UID}: {self.datasource}; dashboards: {boards}"


def connect(url: str, token: str | None, timeout: float = 10.0) -> GrafanaApi:
    """An API client; ``token`` is a service account token (or ``user:password`` for basic auth)."""
    credential: Any = token
    if token and ":" in token and not token.startswith("glsa_"):
        credential = tuple(token.split(":", 1))
    return GrafanaApi.from_url(url.rstrip("/"), credential=credential, timeout=timeout)


def push(
    api: GrafanaApi, dashboards: list[dict[str, Any]], datasource: DatasourceSettings
) -> PushReport:
    """Create or update the folder, the datasource and every dashboard."""
    report = PushReport()
    with explain_errors(_url(api)):
        api.health.check()
        report.folder = _ensure_folder(api)
        report.datasource = _ensure_datasource(api, datasource.payload())
        for dashboard in dashboards:
            body = {
                "dashboard": {**dashboard, "id": None},
                "folderUid": FOLDER_UID,
                "message": "retainly grafana push",
                "overwrite": True,
            }
            result = api.dashboard.update_dashboard(body)
            version = result.get("version") if isinstance(result, dict) else None
            report.dashboards[dashboard["uid"]] = "created" if version == 1 else "updated"
    return report


def _ensure_folder(api: GrafanaApi) -> str:
    existing = _get_or_none(lambda: api.folder.get_folder(FOLDER_UID))
    if existing is None:
        api.folder.create_folder(FOLDER_TITLE, uid=FOLDER_UID)
        return "created"
    if existing.get("title") != FOLDER_TITLE:
        api.folder.update_folder(FOLDER_UID, title=FOLDER_TITLE, overwrite=True)
        return "renamed"
    return "unchanged"


def _ensure_datasource(api: GrafanaApi, payload: dict[str, Any]) -> str:
    existing = _get_or_none(lambda: api.datasource.get_datasource_by_uid(DATASOURCE_UID))
    if existing is None:
        api.datasource.create_datasource(payload)
        return "created"
    api.datasource.update_datasource_by_uid(
        DATASOURCE_UID, {**payload, "id": existing.get("id"), "version": existing.get("version")}
    )
    return "updated"


def _get_or_none(call):
    try:
        return call()
    except GrafanaClientError as exc:
        if exc.status_code == 404:
            return None
        raise


def _url(api: GrafanaApi) -> str:
    return api.url or api.client.url


@contextlib.contextmanager
def explain_errors(url: str) -> Iterator[None]:
    """Turn HTTP and connection failures into messages that say what to fix."""
    try:
        yield
    except GrafanaClientError as exc:
        if exc.status_code == 401:
            raise ProvisionError(
                f"Grafana at {url} rejected the credentials (401 Unauthorized): set GRAFANA_TOKEN to a valid "
                "service account token (Administration → Service accounts) or user:password"
            ) from exc
        if exc.status_code == 403:
            raise ProvisionError(
                f"Grafana at {url} refused the request (403 Forbidden): the token's role cannot manage "
                "folders, datasources or dashboards; give the service account the Admin role"
            ) from exc
        if exc.status_code == 404:
            raise ProvisionError(
                f"Grafana API not found at {url} (404 Not Found): GRAFANA_URL must be Grafana's root URL "
                "(e.g. http://localhost:3000, including any sub-path Grafana is served under)"
            ) from exc
        raise ProvisionError(f"Grafana at {url} returned {exc.status_code}: {exc.message}") from exc
    except GrafanaTimeoutError as exc:
        raise ProvisionError(f"Grafana at {url} timed out: {exc}") from exc
    except GrafanaException as exc:
        raise ProvisionError(f"Grafana at {url} failed: {exc.message}") from exc
    except niquests.exceptions.ConnectionError as exc:
        raise ProvisionError(
            f"cannot connect to Grafana at {url} (connection refused or host unreachable): is Grafana running, "
            "and is GRAFANA_URL right?"
        ) from exc
    except niquests.exceptions.Timeout as exc:
        raise ProvisionError(f"Grafana at {url} timed out: {exc}") from exc
