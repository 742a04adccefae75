"""GA4 Data API reports (``google-analytics-data``) → ``raw.ga4_*``, incremental by date.

Two fixed reports (``REPORTS``): daily traffic by session source / medium / campaign, and
daily active users (1, 7 and 28 days). Each refresh fetches from the last fetched date
minus a re-fetch window (GA keeps revising the last days while it processes late hits)
through yesterday, every page (``limit``/``offset`` against ``row_count``), with retries
and exponential backoff on quota (429) and server (5xx) errors. All pages of all reports
are fetched before anything is written; the rows of the fetched date range are then
replaced in one transaction, so a failure leaves the tables as they were.

The client is built by :func:`make_client` from the environment
(``GA4_PROPERTY_ID``, ``GOOGLE_APPLICATION_CREDENTIALS``); tests pass a REST transport,
anonymous credentials and a local ``api_endpoint``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from google.api_core import exceptions as gexc
from google.api_core import retry as gretry
from google.auth.credentials import Credentials

from pipelines.settings import Settings
from pipelines.warehouse import run_sql, transaction

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/analytics.readonly",)
PAGE_SIZE = 100_000  # the API's maximum rows per request
DEFAULT_REFETCH_DAYS = 3  # GA: "data may take 24–48 hours to process"
DEFAULT_INITIAL_DAYS = 90


class Ga4ConfigError(RuntimeError):
    """GA4 is configured but unusable (missing credentials file, bad property id…)."""


class Ga4ReportError(RuntimeError):
    """A report request or response is not what Retainly expects; nothing was written."""


@dataclass(frozen=True)
class ReportSpec:
    """One runReport request and the raw table its rows land in.

    ``dimensions`` / ``metrics`` map the API names to column names, in order.
    """

    name: str
    table: str
    dimensions: tuple[tuple[str, str], ...]
    metrics: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> list[str]:
        return [c for _, c in self.dimensions] + [c for _, c in self.metrics]


REPORTS = (
    ReportSpec(
        name="traffic",
        table="raw.ga4_traffic",
        dimensions=(
            ("date", "date"),
            ("sessionSource", "session_source"),
            ("sessionMedium", "session_medium"),
            ("sessionCampaignName", "session_campaign_name"),
        ),
        metrics=(
            ("activeUsers", "active_users"),
            ("newUsers", "new_users"),
            ("sessions", "sessions"),
            ("keyEvents", "key_events"),
            ("totalRevenue", "total_revenue"),
        ),
    ),
    ReportSpec(
        name="active_users",
        table="raw.ga4_active_users",
        dimensions=(("date", "date"),),
        metrics=(
            ("active1DayUsers", "active_1day_users"),
            ("active7DayUsers", "active_7day_users"),
            ("active28DayUsers", "active_28day_users"),
        ),
    ),
)
REPORTS_BY_NAME = {r.name: r for r in REPORTS}


# --- configuration -------------------------------------------------------------------------


def not_configured_reason(settings: Settings) -> str | None:
    """Why the Data API assets skip, or None when ``GA4_PROPERTY_ID`` is set."""
    if not settings.ga4_property_id:
        return (
            "GA4 Data API not configured: set GA4_PROPERTY_ID (and GOOGLE_APPLICATION_CREDENTIALS "
            "to a service-account key with read access to the property) to fetch GA4 reports"
        )
    return None


def property_name(property_id: str) -> str:
    """``123456`` or ``properties/123456`` → ``properties/123456``."""
    value = property_id.strip().removeprefix("properties/")
    if not value.isdigit():
        raise Ga4ConfigError(
            f"GA4_PROPERTY_ID={property_id!r} is not a GA4 property id (the number shown under "
            "Admin → Property details, e.g. 123456789)"
        )
    return f"properties/{value}"


def load_credentials(settings: Settings) -> Credentials:
    """Credentials from ``GOOGLE_APPLICATION_CREDENTIALS`` (a key file), else Google's defaults."""
    import google.auth
    from google.auth import exceptions as auth_exceptions

    path = settings.google_credentials
    if path:
        file = Path(path).expanduser()
        if not file.is_file():
            raise Ga4ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={file}: no such file")
        try:
            credentials, _ = google.auth.load_credentials_from_file(str(file), scopes=SCOPES)
        except (auth_exceptions.GoogleAuthError, ValueError, OSError) as exc:
            # The library's message describes the problem, never the key itself.
            raise Ga4ConfigError(
                f"GOOGLE_APPLICATION_CREDENTIALS={file}: not a usable credentials file ({exc})"
            ) from exc
        return credentials
    try:
        credentials, _ = google.auth.default(scopes=SCOPES)
    except auth_exceptions.DefaultCredentialsError as exc:
        raise Ga4ConfigError(
            "GA4_PROPERTY_ID is set but no Google credentials were found: set GOOGLE_APPLICATION_CREDENTIALS "
            "to a service-account key file"
        ) from exc
    return credentials


def make_client(
    settings: Settings,
    *,
    credentials: Credentials | None = None,
    transport: str | None = None,
    client_options: dict[str, Any] | None = None,
):
    """A ``BetaAnalyticsDataClient``; credentials from the environment unless given."""
    from google.analytics.data_v1beta import BetaAnalyticsDataClient

    return BetaAnalyticsDataClient(
        credentials=credentials if credentials is not None else load_credentials(settings),
        transport=transport,
        client_options=client_options,
    )


# --- fetching ------------------------------------------------------------------------------


def is_retryable(exc: BaseException) -> bool:
    """Quota (429 RESOURCE_EXHAUSTED) and transient server errors; never 4xx request errors."""
    if isinstance(exc, gexc.TooManyRequests):
        return True
    return isinstance(exc, gexc.ServerError) and not isinstance(exc, gexc.MethodNotImplemented)


def default_retry(
    initial: float = 2.0, maximum: float = 64.0, timeout: float = 600.0
) -> gretry.Retry:
    def _log(exc: Exception) -> None:
        log.warning("GA4 Data API: %s; retrying with backoff", type(exc).__name__)

    return gretry.Retry(
        predicate=is_retryable,
        initial=initial,
        maximum=maximum,
        multiplier=2.0,
        timeout=timeout,
        on_error=_log,
    )


@dataclass
class FetchedReport:
    spec: ReportSpec
    start: dt.date
    end: dt.date
    rows: list[tuple]
    pages: int


def fetch_report(
    client,
    property_id: str,
    spec: ReportSpec,
    start: dt.date,
    end: dt.date,
    *,
    page_size: int = PAGE_SIZE,
    retry: gretry.Retry | None = None,
    timeout: float = 120.0,
) -> FetchedReport:
    """Every row of one report for [start, end], page by page (``offset`` until ``row_count``)."""
    from google.analytics.data_v1beta.types import DateRange, Dimension, Metric, RunReportRequest

    retry = retry or default_retry()
    rows: list[tuple] = []
    offset, pages = 0, 0
    while True:
        request = RunReportRequest(
            property=property_name(property_id),
            date_ranges=[DateRange(start_date=start.isoformat(), end_date=end.isoformat())],
            dimensions=[Dimension(name=d) for d, _ in spec.dimensions],
            metrics=[Metric(name=m) for m, _ in spec.metrics],
            limit=page_size,
            offset=offset,
        )
        try:
            response = client.run_report(request=request, retry=retry, timeout=timeout)
        except (gexc.GoogleAPICallError, gexc.RetryError) as exc:
            raise Ga4ReportError(
                f"GA4 {spec.name} report for {start}..{end} (offset {offset}) failed: "
                f"{type(exc).__name__}: {_api_message(exc)}; nothing was written"
            ) from exc
        pages += 1
        _check_headers(spec, response)
        rows += [_row_values(spec, row) for row in response.rows]
        offset += len(response.rows)
        if not response.rows or offset >= response.row_count:
            break
    return FetchedReport(spec=spec, start=start, end=end, rows=rows, pages=pages)


def _api_message(exc: Exception) -> str:
    """The API's own message, without the request URL the REST transport prefixes."""
    return re.sub(r"^(GET|POST) \S+: ", "", str(getattr(exc, "message", None) or exc))


def _check_headers(spec: ReportSpec, response) -> None:
    dimensions = [h.name for h in response.dimension_headers]
    metrics = [h.name for h in response.metric_headers]
    if not dimensions and not metrics and not response.rows:
        return  # an empty report may come without headers
    expected_dimensions = [d for d, _ in spec.dimensions]
    expected_metrics = [m for m, _ in spec.metrics]
    if dimensions != expected_dimensions or metrics != expected_metrics:
        unknown = sorted(set(dimensions + metrics) - set(expected_dimensions + expected_metrics))
        raise Ga4ReportError(
            f"GA4 {spec.name} report returned dimensions {dimensions} and metrics {metrics}; expected "
            f"{expected_dimensions} and {expected_metrics}"
            + (f" (unknown: {unknown})" if unknown else "")
            + "; nothing was written"
        )


def _row_values(spec: ReportSpec, row) -> tuple:
    values: list[Any] = []
    for (name, _), value in zip(spec.dimensions, row.dimension_values, strict=True):
        values.append(_parse_date(value.value) if name == "date" else value.value)
    for (name, _), value in zip(spec.metrics, row.metric_values, strict=True):
        try:
            values.append(float(value.value))
        except ValueError as exc:
            raise Ga4ReportError(
                f"GA4 {spec.name} report: metric {name} has non-numeric value {value.value!r}"
            ) from exc
    return tuple(values)


def _parse_date(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError as exc:
        raise Ga4ReportError(f"GA4 report: date dimension value {value!r} is not YYYYMMDD") from exc


# --- landing -------------------------------------------------------------------------------


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    run_sql(conn, "ga4/schema")


def fetch_window(
    conn: duckdb.DuckDBPyConnection,
    spec: ReportSpec,
    property_id: str,
    today: dt.date,
    settings: Settings,
    refetch_days: int = DEFAULT_REFETCH_DAYS,
    initial_days: int = DEFAULT_INITIAL_DAYS,
) -> tuple[dt.date, dt.date] | None:
    """[start, end] to fetch: from the last fetched end minus the re-fetch window (or
    ``initial_days`` back on the first run, not before RETAINLY_START_DATE) to yesterday."""
    end = today - dt.timedelta(days=1)
    last_end = conn.execute(
        "SELECT max(end_date) FROM ops.ga4_fetch_log WHERE report = ? AND property_id = ?",
        [spec.name, property_id],
    ).fetchone()[0]
    if last_end is None:
        start = today - dt.timedelta(days=initial_days)
    else:
        start = min(last_end, end) - dt.timedelta(days=max(refetch_days, 1) - 1)
    start = max(start, settings.start_date)
    return (start, end) if start <= end else None


def refresh_reports(
    conn: duckdb.DuckDBPyConnection,
    client,
    settings: Settings,
    *,
    today: dt.date | None = None,
    refetch_days: int = DEFAULT_REFETCH_DAYS,
    initial_days: int = DEFAULT_INITIAL_DAYS,
    page_size: int = PAGE_SIZE,
    retry: gretry.Retry | None = None,
    reports: tuple[ReportSpec, ...] = REPORTS,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> dict[str, dict[str, Any]]:
    """Fetch every report's window, then replace those date ranges in one transaction."""
    if not settings.ga4_property_id:
        raise Ga4ConfigError(not_configured_reason(settings))
    property_id = property_name(settings.ga4_property_id).removeprefix("properties/")
    today = today or settings.today()
    ensure_tables(conn)
    fetched: list[FetchedReport] = []
    for spec in reports:
        window = fetch_window(conn, spec, property_id, today, settings, refetch_days, initial_days)
        if window is not None:
            fetched.append(
                fetch_report(client, property_id, spec, *window, page_size=page_size, retry=retry)
            )
    fetched_at = now()
    with transaction(conn):
        for report in fetched:
            table, columns = report.spec.table, report.spec.columns
            conn.execute(
                f"DELETE FROM {table} WHERE property_id = ? AND date BETWEEN ? AND ?",
                [property_id, report.start, report.end],
            )
            if report.rows:
                placeholders = ", ".join("?" for _ in range(len(columns) + 2))
                conn.executemany(
                    f"INSERT INTO {table} (property_id, {', '.join(columns)}, fetched_at) VALUES ({placeholders})",
                    [(property_id, *row, fetched_at) for row in report.rows],
                )
            conn.execute(
                "INSERT INTO ops.ga4_fetch_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    report.spec.name,
                    property_id,
                    report.start,
                    report.end,
                    len(report.rows),
                    report.pages,
                    fetched_at,
                ],
            )
    return {
        r.spec.name: {
            "start": r.start.isoformat(),
            "end": r.end.isoformat(),
            "rows": len(r.rows),
            "pages": r.pages,
        }
        for r in fetched
    }
