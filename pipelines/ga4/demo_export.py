"""A GA4 BigQuery export file for the demo, derived from the demo's own web events.

``retainly demo`` calls :func:`write_demo_export` after generating the Segment landing
files, so the GA4 assets and dashboards have data without Google credentials, and
GA4's visitors are the demo's visitors (``user_pseudo_id`` = Segment ``anonymousId``).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb

from pipelines.ingest.landing import list_event_files
from pipelines.ingest.segment import stage_segment_lines
from pipelines.settings import Settings
from pipelines.warehouse import prepare, run_sql

# The GA4 web data stream id written into the demo rows.
DEMO_STREAM_ID = 4_100_000_001
# Share of web visitors GA4 never sees (ad blockers, declined analytics consent), per mille.
BLOCKED_PER_MILLE = 120


def demo_export_path(settings: Settings, start: dt.date, days: int) -> Path:
    return settings.ga4_export_dir / f"demo_events_{start:%Y%m%d}_{days}d.parquet"


def write_demo_export(
    settings: Settings,
    start: dt.date,
    days: int,
    seed: int,
    *,
    blocked_per_mille: int = BLOCKED_PER_MILLE,
) -> Path:
    """Write ``ga4_export/demo_events_<start>_<days>d.parquet`` for [start, start + days).

    Reads the Segment landing files in ``settings.events_dir`` (read only) and keeps what a
    GA4 web tag would have collected. Raises ``ValueError`` when those files hold no web
    page views for the period. The file appears atomically (temp file + rename).
    """
    end = start + dt.timedelta(days=days - 1)
    files = [
        f.path
        for f in list_event_files(settings.events_dir)
        if start - dt.timedelta(days=1) <= f.day <= end + dt.timedelta(days=1)
    ]
    if not files:
        raise ValueError(
            f"no Segment landing files for {start}..{end} in {settings.events_dir}: generate the demo events first"
        )
    conn = duckdb.connect()
    try:
        prepare(conn)  # in memory: the staging model's stage copies raw.events' columns
        with tempfile.TemporaryDirectory(prefix="retainly-ga4-demo-") as tmp:
            # Parse only the lines a web tag could have seen, with the Segment staging model.
            run_sql(conn, "ga4/demo_web_lines", {"paths": [str(p) for p in files]})
            web_lines = Path(tmp) / "web.jsonl"
            conn.table("demo_web_lines").write_csv(
                str(web_lines), sep="\t", quotechar="", escapechar="", header=False
            )
            run_sql(conn, "core/segment_stage")
            stage_segment_lines(
                conn, [web_lines], settings, dt.datetime.now(dt.UTC), web_lines.name
            )
            run_sql(conn, "core/segment_stage_lines")
        run_sql(
            conn,
            "ga4/demo_export",
            {
                "start": start,
                "end": end,
                "seed": seed,
                "blocked_per_mille": blocked_per_mille,
                "stream_id": DEMO_STREAM_ID,
            },
        )
        page_views = conn.execute(
            "SELECT count(*) FROM ga4_demo_rows WHERE event_name = 'page_view'"
        ).fetchone()[0]
        if page_views == 0:
            raise ValueError(
                f"the Segment landing files in {settings.events_dir} hold no web page views for {start}..{end}"
            )
        path = demo_export_path(settings, start, days)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name("." + path.name + ".tmp")
        conn.table("ga4_demo_rows").write_parquet(str(partial))
        partial.replace(path)
    finally:
        conn.close()
    return path
