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
from pathlib import Path

import duckdb

from pipelines.ingest.landing import LandingFile
from pipelines.ingest.load import LoadResult, StagedFile, replace_file_rows
from pipelines.settings import Settings
from pipelines.warehouse import run_sql

# Calling code for national phone numbers written without one (e.g. 010-1234-5678).
DEFAULT_CALLING_CODE = "82"


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
    staged = StagedFile(
        "segment_stage", "segment", source_file, file.day.isoformat(), file.size, file.mtime
    )
    return replace_file_rows(conn, staged, now)


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
