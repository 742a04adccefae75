"""API provisioning through the real grafana-client against a loopback HTTP server that
implements the Grafana endpoints the provisioner calls, with Grafana's status codes."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dashboards.build import build_all
from dashboards.common import DATASOURCE_UID, FOLDER_TITLE, FOLDER_UID
from dashboards.provision import DatasourceSettings, ProvisionError, connect, push
from pipelines.cli import main

ADMIN_TOKEN = "glsa_admin"
VIEWER_TOKEN = "glsa_viewer"
DATASOURCE = DatasourceSettings(
    host="postgres:5432", database="retainly", user="grafana_reader", password="s3cret"
)


class FakeGrafana:
    """State of the fake server: what exists, and every object ever created."""

    def __init__(self) -> None:
        self.folders: dict[str, dict] = {}
        self.datasources: dict[str, dict] = {}
        self.dashboards: dict[str, dict] = {}
        self.created: list[tuple[str, str]] = []
        self.requests: list[tuple[str, str]] = []
        self.next_id = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


def make_handler(state: FakeGrafana):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep pytest output clean
            pass

        def reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def authorized(self, write: bool) -> bool:
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if token not in (ADMIN_TOKEN, VIEWER_TOKEN):
                self.reply(401, {"message": "Unauthorized"})
                return False
            if write and token != ADMIN_TOKEN:
                self.reply(403, {"message": "Permissions needed: datasources:create"})
                return False
            return True

        def route(self, method: str) -> None:
            state.requests.append((method, self.path))
            path = self.path.split("?")[0]
            if not self.authorized(write=method != "GET"):
                return
            if method == "GET" and path == "/api/frontend/settings":
                return self.reply(200, {"buildInfo": {"version": "12.2.0"}})
            if match := re.fullmatch(r"/api/folders/([\w-]+)", path):
                uid = match.group(1)
                if method == "GET":
                    folder = state.folders.get(uid)
                    return (
                        self.reply(200, folder)
                        if folder
                        else self.reply(404, {"message": "folder not found"})
                    )
                if method == "PUT":
                    state.folders[uid].update(title=self.body()["title"])
                    return self.reply(200, state.folders[uid])
            if method == "POST" and path == "/api/folders":
                body = self.body()
                if body["uid"] in state.folders:
                    return self.reply(409, {"message": "a folder with the same uid already exists"})
                state.folders[body["uid"]] = {
                    "id": state.new_id(),
                    "uid": body["uid"],
                    "title": body["title"],
                }
                state.created.append(("folder", body["uid"]))
                return self.reply(200, state.folders[body["uid"]])
            if match := re.fullmatch(r"/api/datasources/uid/([\w-]+)", path):
                uid = match.group(1)
                if method == "GET":
                    ds = state.datasources.get(uid)
                    return (
                        self.reply(200, ds)
                        if ds
                        else self.reply(404, {"message": "Data source not found"})
                    )
                if method == "PUT":
                    if uid not in state.datasources:
                        return self.reply(404, {"message": "Data source not found"})
                    state.datasources[uid] = {**self.body(), "id": state.datasources[uid]["id"]}
                    return self.reply(
                        200, {"message": "Datasource updated", "datasource": state.datasources[uid]}
                    )
            if method == "POST" and path == "/api/datasources":
                body = self.body()
                if body["uid"] in state.datasources:
                    return self.reply(
                        409, {"message": "data source with the same uid already exists"}
                    )
                state.datasources[body["uid"]] = {**body, "id": state.new_id()}
                state.created.append(("datasource", body["uid"]))
                return self.reply(
                    200,
                    {"message": "Datasource added", "datasource": state.datasources[body["uid"]]},
                )
            if method == "POST" and path == "/api/dashboards/db":
                body = self.body()
                dashboard = body["dashboard"]
                existing = state.dashboards.get(dashboard["uid"])
                if existing and not body.get("overwrite"):
                    return self.reply(412, {"status": "version-mismatch"})
                if body.get("folderUid") not in state.folders:
                    return self.reply(400, {"message": "folder not found"})
                version = existing["version"] + 1 if existing else 1
                if not existing:
                    state.created.append(("dashboard", dashboard["uid"]))
                state.dashboards[dashboard["uid"]] = {
                    "dashboard": dashboard,
                    "folderUid": body["folderUid"],
                    "version": version,
                }
                return self.reply(
                    200, {"status": "success", "uid": dashboard["uid"], "version": version, "id": 1}
                )
            return self.reply(404, {"message": "Not found"})

        def do_GET(self) -> None:
            self.route("GET")

        def do_POST(self) -> None:
            self.route("POST")

        def do_PUT(self) -> None:
            self.route("PUT")

    return Handler


@pytest.fixture
def grafana() -> Iterator[tuple[str, FakeGrafana]]:
    state = FakeGrafana()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


def test_push_creates_everything_then_changes_nothing_new(grafana):
    url, state = grafana
    dashboards = build_all()
    first = push(connect(url, ADMIN_TOKEN), dashboards, DATASOURCE)
    assert first.folder == "created" and first.datasource == "created"
    assert set(first.dashboards.values()) == {"created"}
    created = list(state.created)
    assert created == [
        ("folder", FOLDER_UID),
        ("datasource", DATASOURCE_UID),
        *(("dashboard", d["uid"]) for d in dashboards),
    ]
    assert state.folders[FOLDER_UID]["title"] == FOLDER_TITLE
    ds = state.datasources[DATASOURCE_UID]
    assert (ds["type"], ds["url"], ds["user"], ds["jsonData"]["database"]) == (
        "grafana-postgresql-datasource",
        "postgres:5432",
        "grafana_reader",
        "retainly",
    )
    assert ds["secureJsonData"] == {"password": "s3cret"}
    assert all(entry["folderUid"] == FOLDER_UID for entry in state.dashboards.values())

    second = push(connect(url, ADMIN_TOKEN), dashboards, DATASOURCE)
    assert state.created == created, "the second push must not create objects"
    assert second.folder == "unchanged" and second.datasource == "updated"
    assert set(second.dashboards.values()) == {"updated"}
    assert {uid: e["version"] for uid, e in state.dashboards.items()} == {
        d["uid"]: 2 for d in dashboards
    }


def test_push_restores_a_renamed_folder(grafana):
    url, state = grafana
    state.folders[FOLDER_UID] = {"id": 1, "uid": FOLDER_UID, "title": "Old name"}
    report = push(connect(url, ADMIN_TOKEN), build_all()[:1], DATASOURCE)
    assert report.folder == "renamed" and state.folders[FOLDER_UID]["title"] == FOLDER_TITLE


def test_bad_token_is_a_clear_401(grafana):
    url, _ = grafana
    with pytest.raises(
        ProvisionError, match=r"rejected the credentials \(401 Unauthorized\).*GRAFANA_TOKEN"
    ):
        push(connect(url, "glsa_wrong"), build_all(), DATASOURCE)


def test_viewer_token_is_a_clear_403(grafana):
    url, state = grafana
    with pytest.raises(ProvisionError, match=r"403 Forbidden.*Admin role"):
        push(connect(url, VIEWER_TOKEN), build_all(), DATASOURCE)
    assert not state.created


def test_wrong_url_is_a_clear_404(grafana):
    url, _ = grafana
    with pytest.raises(ProvisionError, match=r"404 Not Found.*GRAFANA_URL"):
        push(connect(f"{url}/not-grafana", ADMIN_TOKEN), build_all(), DATASOURCE)


def test_connection_refused_is_clear():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ProvisionError, match="cannot connect to Grafana.*is Grafana running"):
        push(connect(f"http://127.0.0.1:{port}", ADMIN_TOKEN, timeout=5), build_all(), DATASOURCE)


def test_cli_push(grafana, settings, monkeypatch, capsys):
    url, state = grafana
    monkeypatch.setenv("GRAFANA_URL", url)
    monkeypatch.setenv("GRAFANA_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("RETAINLY_GRAFANA_DB_HOST", "db.internal:5432")
    assert main(["grafana", "push"]) == 0
    assert "datasource retainly-pg: created" in capsys.readouterr().out
    assert state.datasources[DATASOURCE_UID]["url"] == "db.internal:5432"
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_wrong")
    assert main(["grafana", "push"]) == 1
    assert "401" in capsys.readouterr().err


def test_cli_push_without_grafana_url(settings, capsys):
    assert main(["grafana", "push"]) == 2
    assert "GRAFANA_URL is not set" in capsys.readouterr().err
