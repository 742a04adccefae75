"""GA4 Data API ingestion through the real client library: ``BetaAnalyticsDataClient`` with
the REST transport and anonymous credentials against a loopback HTTP server that serves
documented ``runReport`` responses (pages, a quota error, an empty report)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from google.auth.credentials import AnonymousCredentials

from pipelines.ga4 import data_api
from pipelines.ga4.data_api import Ga4ConfigError, Ga4ReportError, make_client, refresh_reports
from pipelines.settings import load_settings

TODAY = dt.date(2024, 3, 10)
TRAFFIC_DIMS = ["date", "sessionSource", "sessionMedium", "sessionCampaignName"]
TRAFFIC_METRICS = [
    ("activeUsers", "TYPE_INTEGER"),
    ("newUsers", "TYPE_INTEGER"),
    ("sessions", "TYPE_INTEGER"),
    ("keyEvents", "TYPE_INTEGER"),
    ("totalRevenue", "TYPE_CURRENCY"),
]
ACTIVE_METRICS = [
    ("active1DayUsers", "TYPE_INTEGER"),
    ("active7DayUsers", "TYPE_INTEGER"),
    ("active28DayUsers", "TYPE_INTEGER"),
]

TRAFFIC_ROWS = [
    (["20240307", "google", "cpc", "spring"], ["10", "4", "12", "2", "19800.5"]),
    (["20240307", "(direct)", "(none)", "(direct)"], ["7", "1", "8", "0", "0"]),
    (["20240308", "naver", "organic", "(organic)"], ["5", "5", "5", "1", "9900"]),
    (["20240308", "kakao", "cpc", "kakao_moment"], ["3", "3", "3", "0", "0"]),
    (["20240309", "google", "cpc", "spring"], ["9", "2", "11", "1", "4900"]),
]


def report_body(dims, metrics, rows, row_count=None) -> dict:
    """A runReport response as documented (https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/RunReportResponse)."""
    body = {
        "dimensionHeaders": [{"name": d} for d in dims],
        "metricHeaders": [{"name": m, "type": t} for m, t in metrics],
        "metadata": {"currencyCode": "KRW", "timeZone": "Asia/Seoul"},
        "kind": "analyticsData#runReport",
    }
    if rows:
        body["rows"] = [
            {
                "dimensionValues": [{"value": v} for v in d],
                "metricValues": [{"value": v} for v in m],
            }
            for d, m in rows
        ]
        body["rowCount"] = row_count if row_count is not None else len(rows)
    return body


QUOTA_ERROR = (
    429,
    {
        "error": {
            "code": 429,
            "status": "RESOURCE_EXHAUSTED",
            "message": "Exhausted concurrent requests quota.",
        }
    },
)


class FakeGa4:
    """Serves POST /v1beta/properties/<id>:runReport. ``script`` maps a report name to a
    list of (status, body) served in order; the last entry repeats. Pages are cut from
    ``pages`` by the request's offset/limit when the entry's body is None."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: dict[str, list] = {}
        self.pages: dict[str, dict] = {}

    def respond(self, path: str, body: dict) -> tuple[int, dict]:
        report = "traffic" if len(body.get("dimensions", [])) > 1 else "active_users"
        self.requests.append({"path": path, "report": report, **body})
        queue = self.script.get(report) or [(200, None)]
        status, payload = queue.pop(0) if len(queue) > 1 else queue[0]
        if payload is None:
            full = self.pages[report]
            offset, limit = int(body.get("offset", 0)), int(body.get("limit", 10_000))
            page = full["rows"][offset : offset + limit]
            payload = report_body(full["dims"], full["metrics"], page, row_count=len(full["rows"]))
        return status, payload


@pytest.fixture
def fake_ga4():
    fake = FakeGa4()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            status, payload = fake.respond(
                self.path.split("?")[0], json.loads(self.rfile.read(length) or b"{}")
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def ga4_settings(settings, monkeypatch):
    monkeypatch.setenv("GA4_PROPERTY_ID", "123456")
    return load_settings()


def client_for(fake, settings):
    return make_client(
        settings,
        credentials=AnonymousCredentials(),
        transport="rest",
        client_options={"api_endpoint": fake.endpoint},
    )


FAST_RETRY = data_api.default_retry(initial=0.01, maximum=0.05, timeout=10)


def test_pages_quota_retry_and_empty_report_land_exactly(fake_ga4, ga4_settings, warehouse):
    fake_ga4.pages["traffic"] = {
        "dims": TRAFFIC_DIMS,
        "metrics": TRAFFIC_METRICS,
        "rows": TRAFFIC_ROWS,
    }
    fake_ga4.script["traffic"] = [QUOTA_ERROR, (200, None)]
    fake_ga4.script["active_users"] = [
        (200, {"kind": "analyticsData#runReport", "metadata": {"currencyCode": "KRW"}})
    ]
    fetched = refresh_reports(
        warehouse,
        client_for(fake_ga4, ga4_settings),
        ga4_settings,
        today=TODAY,
        initial_days=5,
        page_size=2,
        retry=FAST_RETRY,
    )

    assert fetched == {
        "traffic": {"start": "2024-03-05", "end": "2024-03-09", "rows": 5, "pages": 3},
        "active_users": {"start": "2024-03-05", "end": "2024-03-09", "rows": 0, "pages": 1},
    }
    traffic = [r for r in fake_ga4.requests if r["report"] == "traffic"]
    assert [(r["path"], r.get("offset", "0"), r["limit"]) for r in traffic] == [
        ("/v1beta/properties/123456:runReport", "0", "2"),  # 429 RESOURCE_EXHAUSTED → retried
        ("/v1beta/properties/123456:runReport", "0", "2"),
        ("/v1beta/properties/123456:runReport", "2", "2"),
        ("/v1beta/properties/123456:runReport", "4", "2"),
    ]
    assert traffic[0]["dateRanges"] == [{"startDate": "2024-03-05", "endDate": "2024-03-09"}]
    assert [d["name"] for d in traffic[0]["dimensions"]] == TRAFFIC_DIMS
    assert [m["name"] for m in traffic[0]["metrics"]] == [m for m, _ in TRAFFIC_METRICS]

    assert warehouse.execute(
        "SELECT property_id, date, session_source, session_medium, session_campaign_name, active_users, new_users, "
        "sessions, key_events, total_revenue FROM raw.ga4_traffic ORDER BY date, session_source"
    ).fetchall() == [
        ("123456", dt.date(2024, 3, 7), "(direct)", "(none)", "(direct)", 7, 1, 8, 0.0, 0.0),
        ("123456", dt.date(2024, 3, 7), "google", "cpc", "spring", 10, 4, 12, 2.0, 19800.5),
        ("123456", dt.date(2024, 3, 8), "kakao", "cpc", "kakao_moment", 3, 3, 3, 0.0, 0.0),
        ("123456", dt.date(2024, 3, 8), "naver", "organic", "(organic)", 5, 5, 5, 1.0, 9900.0),
        ("123456", dt.date(2024, 3, 9), "google", "cpc", "spring", 9, 2, 11, 1.0, 4900.0),
    ]
    assert warehouse.execute("SELECT count(*) FROM raw.ga4_active_users").fetchone()[0] == 0


def test_next_refresh_refetches_the_late_processing_window(fake_ga4, ga4_settings, warehouse):
    fake_ga4.pages["traffic"] = {
        "dims": TRAFFIC_DIMS,
        "metrics": TRAFFIC_METRICS,
        "rows": TRAFFIC_ROWS,
    }
    fake_ga4.pages["active_users"] = {
        "dims": ["date"],
        "metrics": ACTIVE_METRICS,
        "rows": [(["20240308"], ["20", "50", "90"]), (["20240309"], ["21", "52", "91"])],
    }
    client = client_for(fake_ga4, ga4_settings)
    refresh_reports(warehouse, client, ga4_settings, today=TODAY, initial_days=5, retry=FAST_RETRY)
    # GA revised 2024-03-09 and added 2024-03-10 by the next day.
    fake_ga4.pages["active_users"]["rows"] = [
        (["20240309"], ["22", "53", "92"]),
        (["20240310"], ["18", "51", "93"]),
    ]
    fetched = refresh_reports(
        warehouse, client, ga4_settings, today=TODAY + dt.timedelta(days=1), retry=FAST_RETRY
    )

    # The last refetch_days=3 fetched days (03-07..03-09) again, plus the new day.
    assert fetched["active_users"] == {
        "start": "2024-03-07",
        "end": "2024-03-10",
        "rows": 2,
        "pages": 1,
    }
    assert warehouse.execute(
        "SELECT date, active_1day_users, active_7day_users, active_28day_users FROM raw.ga4_active_users ORDER BY date"
    ).fetchall() == [
        # 03-08 was re-fetched and GA no longer reports it: replaced by nothing.
        (dt.date(2024, 3, 9), 22, 53, 92),
        (dt.date(2024, 3, 10), 18, 51, 93),
    ]
    assert warehouse.execute(
        "SELECT report, start_date, end_date FROM ops.ga4_fetch_log WHERE report = 'active_users' ORDER BY fetched_at"
    ).fetchall() == [
        ("active_users", dt.date(2024, 3, 5), dt.date(2024, 3, 9)),
        ("active_users", dt.date(2024, 3, 7), dt.date(2024, 3, 10)),
    ]


def test_unknown_dimensions_in_a_response_fail_clearly_and_write_nothing(
    fake_ga4, ga4_settings, warehouse
):
    fake_ga4.pages["traffic"] = {
        "dims": TRAFFIC_DIMS,
        "metrics": TRAFFIC_METRICS,
        "rows": TRAFFIC_ROWS,
    }
    fake_ga4.script["active_users"] = [
        (
            200,
            report_body(
                ["date", "country"],
                ACTIVE_METRICS,
                [(["20240308", "South Korea"], ["1", "2", "3"])],
            ),
        )
    ]
    with pytest.raises(
        Ga4ReportError,
        match=r"active_users report returned dimensions \['date', 'country'\].*unknown: \['country'\].*nothing was written",
    ):
        refresh_reports(
            warehouse,
            client_for(fake_ga4, ga4_settings),
            ga4_settings,
            today=TODAY,
            initial_days=5,
            retry=FAST_RETRY,
        )
    data_api.ensure_tables(warehouse)
    for table in ("raw.ga4_traffic", "raw.ga4_active_users", "ops.ga4_fetch_log"):
        assert warehouse.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_a_rejected_request_is_not_retried_and_names_the_report(fake_ga4, ga4_settings, warehouse):
    fake_ga4.script["traffic"] = [
        (
            400,
            {
                "error": {
                    "code": 400,
                    "status": "INVALID_ARGUMENT",
                    "message": "Field sessionFoo is not a valid dimension.",
                }
            },
        )
    ]
    with pytest.raises(
        Ga4ReportError,
        match="traffic report .* failed: BadRequest: Field sessionFoo is not a valid dimension",
    ):
        refresh_reports(
            warehouse,
            client_for(fake_ga4, ga4_settings),
            ga4_settings,
            today=TODAY,
            retry=FAST_RETRY,
        )
    assert len(fake_ga4.requests) == 1


def test_missing_credentials_file_names_the_path(settings, monkeypatch, tmp_path):
    missing = tmp_path / "keys" / "ga4-reader.json"
    monkeypatch.setenv("GA4_PROPERTY_ID", "123456")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(missing))
    with pytest.raises(
        Ga4ConfigError, match=f"GOOGLE_APPLICATION_CREDENTIALS={missing}: no such file"
    ):
        make_client(load_settings())


def test_a_property_id_that_is_not_a_number_is_rejected():
    with pytest.raises(Ga4ConfigError, match="GA4_PROPERTY_ID='G-ABC123' is not a GA4 property id"):
        data_api.property_name("G-ABC123")
    assert data_api.property_name("properties/42") == "properties/42"


def _materialize_reports(settings, ga4_resource):
    from pipelines.defs.ga4.assets import build_ga4_reports
    from pipelines.resources import warehouse_resource

    return dg.materialize(
        [build_ga4_reports(ga4_resource)], resources={"duckdb": warehouse_resource(settings)}
    )


def test_the_asset_skips_with_a_message_when_not_configured(settings):
    from pipelines.defs.ga4.resources import Ga4DataApiResource

    result = _materialize_reports(settings, Ga4DataApiResource())
    assert result.success
    statuses = {
        e.asset_key.to_user_string(): e.materialization.metadata["status"].value
        for e in result.get_asset_materialization_events()
    }
    assert set(statuses) == {"raw/ga4_traffic", "raw/ga4_active_users"}
    assert all(
        s.startswith("skipped: GA4 Data API not configured: set GA4_PROPERTY_ID")
        for s in statuses.values()
    )


def test_the_asset_fetches_through_the_resource(fake_ga4, ga4_settings):
    from pipelines.defs.ga4.resources import Ga4DataApiResource
    from pipelines.warehouse import connect

    fake_ga4.pages["traffic"] = {
        "dims": TRAFFIC_DIMS,
        "metrics": TRAFFIC_METRICS,
        "rows": TRAFFIC_ROWS,
    }
    fake_ga4.pages["active_users"] = {
        "dims": ["date"],
        "metrics": ACTIVE_METRICS,
        "rows": [(["20240309"], ["21", "52", "91"])],
    }
    resource = Ga4DataApiResource(
        api_endpoint=fake_ga4.endpoint, transport="rest", anonymous=True, retry_initial_seconds=0.01
    )
    assert _materialize_reports(ga4_settings, resource).success
    conn = connect(ga4_settings.warehouse_path)
    assert conn.execute("SELECT count(*) FROM raw.ga4_traffic").fetchone()[0] == 5
    assert conn.execute("SELECT count(*) FROM raw.ga4_active_users").fetchone()[0] == 1
    conn.close()
