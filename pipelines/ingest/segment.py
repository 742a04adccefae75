"""Segment-spec JSONL → ``raw.events``, a batch of files per transaction.

A batch's files are parsed in parallel (DuckDB reads several files at once) into an
in-memory stage, then published together: their previous rows, quarantine entries and
load-log rows are deleted and rewritten in one transaction, so reruns are idempotent and a
failure publishes nothing. Duplicates are found on
``event_id`` within the batch and against events already loaded from other files on the
same local dates (a retried message keeps its timestamp, hence its date); the first file
to load an event keeps it. A file DuckDB's reader cannot take whole (a line that is not UTF-8
or too long, appended gzip members) is staged from a line-by-line rewrite (readable.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipelines.ingest.landing import LandingFile
from pipelines.ingest.load import LoadResult, StagedFile, replace_file_rows
from pipelines.ingest.readable import (
    MAX_LINE_BYTES,
    apply_rejected,
    read_whole,
    rewrite_readable,
)
from pipelines.settings import Settings
from pipelines.warehouse import run_sql

# Calling code for national phone numbers written without one (e.g. 010-1234-5678).
DEFAULT_CALLING_CODE = "82"
# A batch is published in one transaction; its stage is held in memory (about 6× the
# gzip size), so batches are bounded by compressed bytes as well as by count.
BATCH_BYTES = 160 << 20
BATCH_FILES = 64


class LandingFileError(ValueError):
    """A landing file that cannot be read whole (e.g. a truncated gzip); nothing is published."""


def ingest_files(
    conn: duckdb.DuckDBPyConnection,
    files: list[LandingFile],
    settings: Settings,
    now: dt.datetime | None = None,
) -> list[LoadResult]:
    """Load landing files oldest day first; replaces whatever earlier loads of them wrote."""
    now = now or dt.datetime.now(dt.UTC)
    results: list[LoadResult] = []
    for batch in _batches(sorted(files, key=lambda f: (f.day, f.path.name))):
        _stage_files(conn, batch, settings, now)
        staged = [StagedFile(f.path.name, f.day.isoformat(), f.size, f.mtime) for f in batch]
        results += replace_file_rows(
            conn, "ingest_stage.segment_lines", "segment", staged, now, settings.timezone
        )
        conn.execute("DETACH ingest_stage")
    return results


def ingest_file(
    conn: duckdb.DuckDBPyConnection,
    file: LandingFile,
    settings: Settings,
    now: dt.datetime | None = None,
) -> LoadResult:
    return ingest_files(conn, [file], settings, now)[0]


def _batches(files: list[LandingFile]) -> Iterator[list[LandingFile]]:
    batch: list[LandingFile] = []
    batch_bytes = 0
    for file in files:
        if batch and (len(batch) >= BATCH_FILES or batch_bytes + file.size > BATCH_BYTES):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(file)
        batch_bytes += file.size
    if batch:
        yield batch


def stage_segment_lines(
    conn: duckdb.DuckDBPyConnection,
    paths: list[Path],
    settings: Settings,
    now: dt.datetime,
    source_file: str | None = None,
) -> None:
    """Parse and classify the files' lines into ``ingest_stage.segment`` (segment_stage.sql
    creates it); ``source_file`` names them when they are a rewrite of a landing file."""
    run_sql(
        conn,
        "core/stage_segment_file",
        {
            "paths": [str(p) for p in paths],
            "source_file": source_file,
            "now": now,
            "start_date": settings.start_date,
            "tz": settings.timezone,
            "calling_code": DEFAULT_CALLING_CODE,
            "max_line_bytes": MAX_LINE_BYTES,
        },
    )


def _stage_files(
    conn: duckdb.DuckDBPyConnection, files: list[LandingFile], settings: Settings, now: dt.datetime
) -> None:
    def stage(paths: list[Path]) -> None:
        stage_segment_lines(conn, paths, settings, now)

    run_sql(conn, "core/segment_stage")
    unreadable: set[str] = set()
    try:
        stage([f.path for f in files])
    except duckdb.InvalidInputException:
        # One line the reader rejects (not UTF-8, too long) fails the whole read: the
        # batch's other files are staged one by one, the files with such lines rewritten.
        for file in files:
            try:
                stage([file.path])
            except duckdb.InvalidInputException:
                unreadable.add(file.path.name)
    staged = {
        name: (size, lines)
        for name, size, lines in conn.execute(
            "SELECT source_file, sum(line_bytes), count(*) FROM ingest_stage.segment GROUP BY 1"
        ).fetchall()
    }
    for file in files:
        name = file.path.name
        if name in unreadable or not read_whole(file.path, file.size, *staged.get(name, (0, 0))):
            conn.execute("DELETE FROM ingest_stage.segment WHERE source_file = ?", [name])
            _stage_rewritten(conn, file, settings, now, batch_size=len(files))
    run_sql(conn, "core/segment_stage_lines")


def _stage_rewritten(
    conn: duckdb.DuckDBPyConnection,
    file: LandingFile,
    settings: Settings,
    now: dt.datetime,
    batch_size: int,
) -> None:
    """Stage a file from its readable rewrite (readable.py); its rejected lines keep their
    numbers and get their own quarantine reasons."""
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / file.path.name.removesuffix(".gz")
        try:
            rejected = rewrite_readable(file.path, plain)
        except (OSError, EOFError, zlib.error) as exc:
            what = "not a complete gzip file" if file.path.suffix == ".gz" else "unreadable"
            raise LandingFileError(
                f"{file.path}: {what} ({exc}); nothing from its batch of "
                f"{batch_size} file(s) was loaded: replace or remove it and rerun"
            ) from exc
        stage_segment_lines(conn, [plain], settings, now, source_file=file.path.name)
    apply_rejected(conn, rejected, "core/segment_stage_rejected", {"source_file": file.path.name})
