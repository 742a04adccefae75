"""Segment-spec JSONL → ``raw.events``, one file per transaction.

Reruns are idempotent: a file's previous rows, quarantine entries and load-log row
are deleted and rewritten in the same transaction. Duplicates are found on
``event_id`` within the file and against events already loaded from other files
on the same local dates (a retried message keeps its timestamp, hence its date);
the first file to load an event keeps it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipelines.ingest.landing import LandingFile
from pipelines.settings import Settings
from pipelines.warehouse import run_sql, transaction

# Calling code for national phone numbers written without one (e.g. 010-1234-5678).
DEFAULT_CALLING_CODE = "82"

_EVENT_COLUMNS = """event_id, event_name, event_type, event_ts, event_date, user_id, anonymous_id,
    previous_id, source, utm_source, utm_medium, utm_campaign, utm_content, utm_term, gclid, fbclid,
    referrer, page_url, platform, os_name, country, advertising_id, ad_tracking_enabled,
    consent_ad_user_data, consent_ad_personalization, email_sha256, email_sha256_google,
    phone_sha256, phone_sha256_digits, first_name_sha256, last_name_sha256, properties,
    source_file, line_number"""


@dataclass(frozen=True)
class LoadResult:
    source_file: str
    lines_read: int
    lines_loaded: int
    duplicates: int
    quarantined: int

    @property
    def balanced(self) -> bool:
        return self.lines_loaded + self.duplicates + self.quarantined == self.lines_read

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


def ingest_file(
    conn: duckdb.DuckDBPyConnection,
    file: LandingFile,
    settings: Settings,
    now: dt.datetime | None = None,
) -> LoadResult:
    """Load one landing file; replaces whatever an earlier load of the same file wrote."""
    now = now or dt.datetime.now(dt.UTC)
    source_file = file.path.name
    params = {
        "path": str(file.path),
        "source_file": source_file,
        "now": now,
        "start_date": settings.start_date,
        "tz": settings.timezone,
        "calling_code": DEFAULT_CALLING_CODE,
    }
    run_sql(conn, "core/stage_segment_file", params)
    if file.path.suffix == ".gz" and not _read_whole_gzip(conn, file.path):
        # DuckDB reads only the first member of a multi-member gzip (files appended to
        # with `cat a.gz b.gz`); Python's gzip reads them all, so stage from its output.
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / file.path.name.removesuffix(".gz")
            with gzip.open(file.path, "rb") as src, plain.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            run_sql(conn, "core/stage_segment_file", {**params, "path": str(plain)})
    with transaction(conn):
        for table in ("raw.events", "ops.quarantine"):
            conn.execute(f"DELETE FROM {table} WHERE source_file = ?", [source_file])
        conn.execute(
            "DELETE FROM ops.load_log WHERE source_file = ? AND source = 'segment'", [source_file]
        )
        conn.execute(
            """
            INSERT INTO ops.quarantine
            SELECT source_file, line_number, raw_line, reason, ?::TIMESTAMPTZ
            FROM segment_stage WHERE reason IS NOT NULL
            """,
            [now],
        )
        conn.execute(
            f"""
            INSERT INTO raw.events ({_EVENT_COLUMNS}, ingested_at)
            WITH candidates AS (
                SELECT * FROM segment_stage WHERE reason IS NULL
                QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY line_number) = 1
            ),
            already_loaded AS (
                SELECT event_id FROM raw.events
                WHERE event_date IN (SELECT DISTINCT event_date FROM candidates)
            )
            SELECT {_EVENT_COLUMNS}, ?::TIMESTAMPTZ
            FROM candidates
            WHERE event_id NOT IN (SELECT event_id FROM already_loaded)
            ORDER BY line_number
            """,
            [now],
        )
        lines_read, quarantined = conn.execute(
            "SELECT count(*), count(reason) FROM segment_stage"
        ).fetchone()
        loaded = conn.execute(
            "SELECT count(*) FROM raw.events WHERE source_file = ?", [source_file]
        ).fetchone()[0]
        result = LoadResult(
            source_file=source_file,
            lines_read=lines_read,
            lines_loaded=loaded,
            duplicates=lines_read - quarantined - loaded,
            quarantined=quarantined,
        )
        conn.execute(
            "INSERT INTO ops.load_log VALUES (?, 'segment', ?, ?, to_timestamp(?), ?, ?, ?, ?, ?)",
            [
                source_file,
                file.day.isoformat(),
                file.size,
                file.mtime,
                result.lines_read,
                result.lines_loaded,
                result.duplicates,
                result.quarantined,
                now,
            ],
        )
    conn.execute("DROP TABLE IF EXISTS segment_stage")
    return result


def _read_whole_gzip(conn: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Whether the staged lines account for every byte of the gzip file.

    The gzip trailer's ISIZE is the uncompressed size (mod 2**32) of the last member: it
    equals the staged bytes (lines + newlines, the last newline optional) only when the
    file is a single member that was read to its end.
    """
    with path.open("rb") as handle:
        handle.seek(-4, 2)
        isize = int.from_bytes(handle.read(4), "little")
    staged = conn.execute("SELECT coalesce(sum(line_bytes), 0) FROM segment_stage").fetchone()[0]
    return staged % 2**32 in (isize, (isize + 1) % 2**32)


def ingest_files(
    conn: duckdb.DuckDBPyConnection, files: list[LandingFile], settings: Settings
) -> list[LoadResult]:
    return [
        ingest_file(conn, f, settings) for f in sorted(files, key=lambda f: (f.day, f.path.name))
    ]


def quarantine_reasons(conn: duckdb.DuckDBPyConnection, source_files: list[str]) -> dict[str, int]:
    rows = conn.execute(
        "SELECT reason, count(*) FROM ops.quarantine WHERE list_contains(?, source_file) GROUP BY 1 ORDER BY 1",
        [source_files],
    ).fetchall()
    return dict(rows)


def landing_path(settings: Settings) -> Path:
    return settings.events_dir
