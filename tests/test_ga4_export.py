"""GA4 BigQuery export ingestion, on the real sample (tests/data/ga4_events_sampled.parquet)
and on hand-written NDJSON rows: every row accounted for, counts equal to queries written
directly on the file, typed params, UTM precedence, quarantine, idempotence."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest

from pipelines.config import load_definitions
from pipelines.core.build import build_events, build_identity_map, build_users
from pipelines.ga4.export import (
    Ga4ExportError,
    changed_files,
    ingest_export_files,
    list_export_files,
)
from pipelines.settings import load_settings
from pipelines.warehouse import connect
from tests.conftest import DATA_DIR

SAMPLE = DATA_DIR / "ga4_events_sampled.parquet"
NOW = dt.datetime(2024, 3, 10, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory):
    """The real sample ingested once, with core tables built (read-only for the tests)."""
    home = tmp_path_factory.mktemp("ga4_sample") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETAINLY_HOME", str(home))
        mp.setenv("RETAINLY_TIMEZONE", "Asia/Seoul")
        mp.setenv("RETAINLY_START_DATE", "2020-01-01")
        settings = load_settings()
    settings.ga4_export_dir.mkdir(parents=True)
    shutil.copy(SAMPLE, settings.ga4_export_dir / "events_20201101.parquet")
    conn = connect(settings.warehouse_path)
    results = ingest_export_files(conn, list_export_files(settings.ga4_export_dir), settings)
    build_identity_map(conn)
    build_events(conn, load_definitions(), settings.timezone)
    build_users(conn, settings)
    yield conn, settings, results
    conn.close()


def _file_counts(sql: str) -> dict:
    return dict(duckdb.sql(sql.replace("FILE", f"read_parquet('{SAMPLE}')")).fetchall())


def test_every_sample_row_is_loaded_and_logged(sample_warehouse):
    conn, _, results = sample_warehouse
    (result,) = results
    rows_in_file = duckdb.sql(f"SELECT count(*) FROM read_parquet('{SAMPLE}')").fetchone()[0]
    assert rows_in_file == 24_219
    # The sample has no exact duplicates and no malformed rows: all of it loads.
    assert (result.lines_read, result.lines_loaded, result.duplicates, result.quarantined) == (
        rows_in_file,
        rows_in_file,
        0,
        0,
    )
    assert conn.execute("SELECT count(*) FROM ops.quarantine").fetchone()[0] == 0
    assert conn.execute(
        "SELECT source, partition_key, lines_read, lines_loaded, duplicates, quarantined FROM ops.load_log"
    ).fetchall() == [("ga4_export", "2020-11-01", rows_in_file, rows_in_file, 0, 0)]
    assert conn.execute(
        "SELECT count(*), count(DISTINCT event_id) FROM core.events WHERE source = 'ga4_export'"
    ).fetchone() == (
        rows_in_file,
        rows_in_file,
    )


def test_counts_by_event_name_date_and_user_equal_direct_queries(sample_warehouse):
    conn, _, _ = sample_warehouse

    def ours(sql: str) -> dict:
        return dict(conn.execute(sql).fetchall())

    assert ours("SELECT event_name, count(*) FROM core.events GROUP BY 1") == _file_counts(
        "SELECT event_name, count(*) FROM FILE GROUP BY 1"
    )
    # GA's own event_date (the property's zone) is kept; event_date is the Seoul date.
    assert ours(
        "SELECT properties->>'$.ga4.event_date', count(*) FROM core.events GROUP BY 1"
    ) == _file_counts("SELECT event_date, count(*) FROM FILE GROUP BY 1")
    assert ours("SELECT event_date, count(*) FROM core.events GROUP BY 1") == _file_counts(
        "SELECT timezone('Asia/Seoul', to_timestamp(event_timestamp / 1e6))::DATE, count(*) FROM FILE GROUP BY 1"
    )
    assert ours("SELECT user_key, count(*) FROM core.events GROUP BY 1") == _file_counts(
        "SELECT user_pseudo_id, count(*) FROM FILE GROUP BY 1"
    )
    assert ours("SELECT event_type, count(*) FROM core.events GROUP BY 1") == {
        "page": _file_counts("SELECT event_name, count(*) FROM FILE GROUP BY 1")["page_view"],
        "track": 24_219 - 7_498,
    }
    # Automatic events (session_start, first_visit, user_engagement) are activity: all active.
    assert conn.execute("SELECT bool_and(is_active) FROM core.events").fetchone()[0] is True
    assert conn.execute("SELECT count(*) FROM core.users").fetchone()[0] == 19_210


def test_event_params_become_typed_properties(sample_warehouse):
    conn, _, _ = sample_warehouse
    row = conn.execute(
        "SELECT event_ts, properties, page_url, platform, ad_tracking_enabled, country, anonymous_id "
        "FROM core.events WHERE event_name = 'purchase' AND anonymous_id = '31733645.3711323316' "
        "AND event_ts = TIMESTAMPTZ '2020-12-10 15:47:28.873729+00'"
    ).fetchone()
    event_ts, properties, page_url, platform, ad_tracking, country, anonymous_id = row
    props = json.loads(properties)
    assert event_ts == dt.datetime(2020, 12, 10, 15, 47, 28, 873729, tzinfo=dt.UTC)
    assert props["ga_session_id"] == 2315275013  # int_value → JSON integer
    assert props["engagement_time_msec"] == 1
    assert props["tax"] == 15.09  # double_value → JSON number
    assert props["session_engaged"] == "1"  # string_value stays a string
    assert props["page_title"] == "Checkout Confirmation"
    assert props["all_data"] is None  # a parameter without a value
    assert props["ga4"]["purchase_revenue"] == 138.0 and props["ga4"]["event_date"] == "20201210"
    assert (
        page_url
        == props["page_location"]
        == "https://shop.googlemerchandisestore.com/ordercompleted.html"
    )
    assert (platform, ad_tracking, country, anonymous_id) == (
        "web",
        True,
        "Germany",
        "31733645.3711323316",
    )
    # Every parameter of every row is in properties (keys, not counting the ga4 block).
    ours = conn.execute("SELECT sum(len(json_keys(properties)) - 1) FROM core.events").fetchone()[0]
    theirs = duckdb.sql(
        f"SELECT sum(len(list_distinct(list_transform(event_params, p -> p.key)))) FROM read_parquet('{SAMPLE}')"
    ).fetchone()[0]
    assert ours == theirs


def test_utm_comes_from_params_then_first_touch_and_placeholders_are_null(sample_warehouse):
    conn, _, _ = sample_warehouse
    origins = dict(
        conn.execute(
            "SELECT coalesce(properties->>'$.ga4.utm_origin', 'none'), count(*) FROM core.events GROUP BY 1"
        ).fetchall()
    )
    assert set(origins) == {"event_params", "traffic_source", "none"}
    # GA placeholders never become UTM values.
    assert (
        conn.execute(
            "SELECT count(*) FROM core.events WHERE regexp_full_match(utm_source, '\\(.*\\)|<.*>') "
            "OR regexp_full_match(utm_medium, '\\(.*\\)|<.*>') OR regexp_full_match(utm_campaign, '\\(.*\\)|<.*>')"
        ).fetchone()[0]
        == 0
    )
    # Params source/medium win over the user's first-touch traffic_source.
    assert (
        conn.execute(
            "SELECT count(*) FROM core.events WHERE properties->>'$.ga4.utm_origin' = 'event_params' "
            "AND utm_source IS DISTINCT FROM nullif(properties->>'$.source', '(direct)') "
            "AND NOT regexp_full_match(properties->>'$.source', '\\(.*\\)|<.*>')"
        ).fetchone()[0]
        == 0
    )
    # gclid from the params (the sample has the key on 665 rows, always without a value).
    assert (
        conn.execute("SELECT count(gclid) FROM core.events").fetchone()[0]
        == _file_counts(
            "SELECT 'n', count(*) FROM FILE WHERE len(list_filter(event_params, "
            "p -> p.key = 'gclid' AND p.value.string_value IS NOT NULL)) > 0"
        )["n"]
    )


# --- NDJSON rows written by hand -----------------------------------------------------------


def ga4_row(
    name="page_view", ts_us=1_709_251_200_000_000, pseudo="p1", user_id=None, params=None, **extra
) -> dict:
    """One GA4 export row as BigQuery's NDJSON export writes it (INT64 values as strings)."""
    params = params or {"page_location": "https://app.example/", "ga_session_id": 1709251200}
    event_params = [
        {"key": k, "value": {"int_value": str(v)} if isinstance(v, int) else {"string_value": v}}
        for k, v in params.items()
    ]
    row = {
        "event_date": "20240301",
        "event_timestamp": str(ts_us),
        "event_name": name,
        "event_params": event_params,
        "user_pseudo_id": pseudo,
        "user_id": user_id,
        "stream_id": "123",
        "platform": "WEB",
        "device": {
            "category": "mobile",
            "operating_system": "Android",
            "advertising_id": None,
            "is_limited_ad_tracking": "No",
        },
        "geo": {"country": "South Korea"},
        "traffic_source": {"source": "(direct)", "medium": "(none)", "name": "(direct)"},
    }
    row.update(extra)
    return row


def write_ndjson(settings, name: str, rows: list) -> None:
    settings.ga4_export_dir.mkdir(parents=True, exist_ok=True)
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)
    (settings.ga4_export_dir / name).write_text(text)


def test_malformed_rows_are_quarantined_with_reasons(settings, warehouse):
    ok = ga4_row()
    rows = [
        ok,
        "{not json",
        ga4_row(name=""),
        ga4_row(pseudo=None),
        ga4_row(ts_us="soon"),
        {**ga4_row(), "event_params": {"key": "not a list"}},
        ga4_row(ts_us=1_577_800_000_000_000),  # 2019-12-31 UTC: before RETAINLY_START_DATE
        ga4_row(ts_us=1_800_000_000_000_000),  # 2027: in the future
        ok,  # the same row twice: a duplicate
    ]
    write_ndjson(settings, "events_20240301.json", rows)
    (result,) = [
        __import__("pipelines.ga4.export", fromlist=["ingest_file"]).ingest_file(
            warehouse, f, settings, now=NOW
        )
        for f in list_export_files(settings.ga4_export_dir)
    ]
    assert (result.lines_read, result.lines_loaded, result.duplicates, result.quarantined) == (
        9,
        1,
        1,
        7,
    )
    assert warehouse.execute(
        "SELECT line_number, reason FROM ops.quarantine ORDER BY 1"
    ).fetchall() == [
        (2, "invalid_json"),
        (3, "missing_event_name"),
        (4, "missing_ids"),
        (5, "invalid_timestamp"),
        (6, "invalid_event_params"),
        (7, "before_start_date"),
        (8, "timestamp_in_future"),
    ]
    assert warehouse.execute(
        "SELECT event_type, event_name, anonymous_id FROM raw.events"
    ).fetchall() == [("page", "page_view", "p1")]


def test_lines_the_reader_rejects_are_quarantined_and_the_file_still_loads(settings, warehouse):
    """A byte that is not UTF-8 or a line over the reader's limit fails DuckDB's read of the
    whole file: the file is read from a rewrite, those lines quarantined with their reasons."""
    from pipelines.ga4.export import ingest_export_files
    from pipelines.ingest.readable import MAX_LINE_BYTES

    latin1 = json.dumps(ga4_row(name="scroll")).encode().replace(b"scroll", b"scr\xf6ll")
    too_long = json.dumps(ga4_row(name="click", params={"blob": "x" * MAX_LINE_BYTES})).encode()
    settings.ga4_export_dir.mkdir(parents=True, exist_ok=True)
    (settings.ga4_export_dir / "events_20240301.json").write_bytes(
        json.dumps(ga4_row()).encode()
        + b"\n"
        + latin1
        + b"\n"
        + too_long
        + b"\n"
        + json.dumps(ga4_row(name="first_visit", pseudo="p2")).encode()
        + b"\n"
    )
    (result,) = ingest_export_files(warehouse, list_export_files(settings.ga4_export_dir), settings)
    assert (result.lines_read, result.lines_loaded, result.quarantined) == (4, 2, 2)
    assert warehouse.execute(
        "SELECT line_number, reason, strlen(raw) FROM ops.quarantine ORDER BY 1"
    ).fetchall() == [(2, "invalid_utf8", len(latin1) + 2), (3, "line_too_long", len(too_long))]
    assert warehouse.execute(
        "SELECT line_number, event_name FROM raw.events ORDER BY 1"
    ).fetchall() == [(1, "page_view"), (4, "first_visit")]


def test_every_gzip_member_and_a_nul_line_are_read(settings, warehouse):
    """`cat a.json.gz b.json.gz > c.json.gz` is a valid gzip file of two members; DuckDB's
    reader stops after the first. A NUL byte ends a line early in its reader. Neither may
    drop lines silently: every line is loaded or quarantined."""
    import gzip

    from pipelines.ga4.export import ingest_export_files

    settings.ga4_export_dir.mkdir(parents=True, exist_ok=True)
    first = "".join(json.dumps(ga4_row(pseudo=f"p{i}")) + "\n" for i in range(3))
    second = "".join(json.dumps(ga4_row(name="scroll", pseudo=f"q{i}")) + "\n" for i in range(2))
    (settings.ga4_export_dir / "events_20240301.json.gz").write_bytes(
        gzip.compress(first.encode()) + gzip.compress(second.encode())
    )
    nul = json.dumps(ga4_row(name="click", pseudo="r1")).replace("click", "cl\x00ick", 1)
    (settings.ga4_export_dir / "events_20240302.json").write_text(
        json.dumps(ga4_row(pseudo="r0")) + "\n" + nul + "\n"
    )
    results = ingest_export_files(warehouse, list_export_files(settings.ga4_export_dir), settings)
    assert [(r.lines_read, r.lines_loaded, r.quarantined) for r in results] == [
        (5, 5, 0),
        (2, 1, 1),
    ]
    assert warehouse.execute(
        "SELECT anonymous_id, event_name FROM raw.events ORDER BY source_file, line_number"
    ).fetchall() == [
        *[(f"p{i}", "page_view") for i in range(3)],
        *[(f"q{i}", "scroll") for i in range(2)],
        ("r0", "page_view"),
    ]
    # JSON text never holds a raw NUL: the line is quarantined, whole (NUL shown as U+FFFD).
    assert warehouse.execute("SELECT line_number, reason, raw FROM ops.quarantine").fetchall() == [
        (2, "invalid_json", nul.replace("\x00", "\ufffd"))
    ]


def test_reloading_a_file_replaces_it_and_unchanged_files_are_skipped(settings, warehouse):
    write_ndjson(settings, "events_20240301.json", [ga4_row(), ga4_row(name="scroll")])
    files = list_export_files(settings.ga4_export_dir)
    ingest_export_files(warehouse, files, settings)
    ingest_export_files(warehouse, files, settings)
    assert warehouse.execute("SELECT count(*) FROM raw.events").fetchone()[0] == 2
    assert warehouse.execute("SELECT lines_read, lines_loaded FROM ops.load_log").fetchall() == [
        (2, 2)
    ]
    assert changed_files(warehouse, files, settings.timezone) == []


def test_same_rows_from_parquet_and_ndjson_have_the_same_event_ids(settings, warehouse):
    """The natural-key hash does not depend on the file format, so an NDJSON re-export of
    rows already loaded from Parquet is recognised as duplicates."""
    settings.ga4_export_dir.mkdir(parents=True)
    subset = settings.ga4_export_dir / "a_events_20201201.parquet"
    duckdb.sql(
        f"COPY (SELECT * FROM read_parquet('{SAMPLE}') WHERE event_date = '20201201' ORDER BY event_timestamp LIMIT 150) "
        f"TO '{subset}' (FORMAT parquet)"
    )
    rows = duckdb.sql(f"SELECT to_json(t)::VARCHAR FROM read_parquet('{subset}') AS t").fetchall()

    def bigquery_style(value):  # INT64 → string, as `bq extract` writes NDJSON
        if isinstance(value, dict):
            return {
                k: (
                    str(v)
                    if k in ("int_value", "event_timestamp", "stream_id") and v is not None
                    else bigquery_style(v)
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [bigquery_style(v) for v in value]
        return value

    write_ndjson(
        settings, "b_events_20201201.ndjson", [bigquery_style(json.loads(r[0])) for r in rows]
    )
    first, second = ingest_export_files(
        warehouse, list_export_files(settings.ga4_export_dir), settings
    )
    assert (first.lines_loaded, first.duplicates) == (150, 0)
    assert (second.lines_read, second.lines_loaded, second.duplicates, second.quarantined) == (
        150,
        0,
        150,
        0,
    )


def test_collected_traffic_source_wins_and_page_query_supplies_click_ids(settings, warehouse):
    url = "https://app.example/?utm_source=naver&utm_medium=cpc&utm_campaign=spring&gclid=G1&fbclid=F1"
    rows = [
        ga4_row(
            params={"page_location": url},
            collected_traffic_source={
                "manual_source": "kakao",
                "manual_medium": "social",
                "manual_campaign_name": "share",
                "gclid": None,
            },
        ),
        ga4_row(name="scroll", params={"page_location": url}),
        ga4_row(
            name="click",
            params={"page_location": "https://app.example/"},
            ts_us=1_709_251_300_000_000,
            user_first_touch_timestamp="1709251200000000",
            traffic_source={"source": "google", "medium": "organic", "name": "(organic)"},
        ),
    ]
    write_ndjson(settings, "events.json", rows)
    ingest_export_files(warehouse, list_export_files(settings.ga4_export_dir), settings)
    assert warehouse.execute(
        "SELECT event_name, utm_source, utm_medium, utm_campaign, gclid, fbclid FROM raw.events ORDER BY line_number"
    ).fetchall() == [
        (
            "page_view",
            "kakao",
            "social",
            "share",
            "G1",
            "F1",
        ),  # collected_traffic_source beats the URL
        ("scroll", "naver", "cpc", "spring", "G1", "F1"),  # the page_location query
        (
            "click",
            "google",
            "organic",
            None,
            None,
            None,
        ),  # first-touch traffic_source on the first-touch day
    ]


def test_an_unreadable_parquet_file_fails_clearly_and_writes_nothing(settings, warehouse):
    settings.ga4_export_dir.mkdir(parents=True)
    bad = settings.ga4_export_dir / "events_20240301.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(
        Ga4ExportError, match="events_20240301.parquet.*cannot read as a GA4 export parquet file"
    ):
        ingest_export_files(warehouse, list_export_files(settings.ga4_export_dir), settings)
    for table in ("raw.events", "ops.quarantine", "ops.load_log"):
        assert warehouse.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_sensor_requests_one_ingest_run_per_change(settings):
    import os

    import dagster as dg

    from pipelines.defs.ga4.sensors import ga4_export_sensor

    write_ndjson(settings, "events_20240301.json", [ga4_row()])
    first = ga4_export_sensor(dg.build_sensor_context(cursor=None))
    assert [r.run_key for r in first.run_requests] == [
        f"events_20240301.json@{(settings.ga4_export_dir / 'events_20240301.json').stat().st_size}:"
        f"{int((settings.ga4_export_dir / 'events_20240301.json').stat().st_mtime)}"
    ]
    assert ga4_export_sensor(dg.build_sensor_context(cursor=first.cursor)).run_requests == []
    write_ndjson(settings, "events_20240301.json", [ga4_row(), ga4_row(name="scroll")])
    os.utime(settings.ga4_export_dir / "events_20240301.json", (1_800_000_000, 1_800_000_000))
    assert len(ga4_export_sensor(dg.build_sensor_context(cursor=first.cursor)).run_requests) == 1
