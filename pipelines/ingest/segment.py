"""Segment-spec JSONL → ``raw.events``, a batch of files per transaction.

Files are parsed side by side (one DuckDB connection per worker; reading a gzip file is
single-threaded) into an in-memory stage, then published together: a batch's previous
rows, quarantine entries and load-log rows are deleted and rewritten in one transaction,
so reruns are idempotent and a failure publishes nothing. Duplicates are found on
``event_id`` within the batch and against events already loaded from other files on the
same local dates (a retried message keeps its timestamp, hence its date); the first file
to load an event keeps it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import queue
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from pipelines.ingest.landing import LandingFile
from pipelines.ingest.load import LoadResult, StagedFile, replace_file_rows
from pipelines.settings import Settings
from pipelines.warehouse import prepare, run_sql

# Calling code for national phone numbers written without one (e.g. 010-1234-5678).
DEFAULT_CALLING_CODE = "82"
STAGE = "ingest_stage.segment"
# A batch is published in one transaction; its stage is held in memory (about 6× the
# gzip size), so batches are bounded by compressed bytes as well as by count.
BATCH_BYTES = 160 << 20
BATCH_FILES = 64


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
        run_sql(conn, "core/segment_stage")
        _stage_files(conn, batch, settings, now)
        staged = [StagedFile(f.path.name, f.day.isoformat(), f.size, f.mtime) for f in batch]
        results += replace_file_rows(conn, STAGE, "segment", staged, now)
        conn.execute(f"DROP TABLE {STAGE}")
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
    for file in files:
        if batch and (
            len(batch) >= BATCH_FILES or sum(f.size for f in batch) + file.size > BATCH_BYTES
        ):
            yield batch
            batch = []
        batch.append(file)
    if batch:
        yield batch


def _stage_files(
    conn: duckdb.DuckDBPyConnection, files: list[LandingFile], settings: Settings, now: dt.datetime
) -> None:
    def params(file: LandingFile, path: Path) -> dict[str, Any]:
        return {
            "path": str(path),
            "source_file": file.path.name,
            "now": now,
            "start_date": settings.start_date,
            "tz": settings.timezone,
            "calling_code": DEFAULT_CALLING_CODE,
        }

    pending: queue.SimpleQueue[LandingFile] = queue.SimpleQueue()
    for file in files:
        pending.put(file)

    def work(cursor: duckdb.DuckDBPyConnection) -> None:
        with cursor:
            prepare(cursor, create_schema=False)  # macros are per connection
            while True:
                try:
                    file = pending.get_nowait()
                except queue.Empty:
                    return
                run_sql(cursor, "core/stage_segment_file", params(file, file.path))

    workers = max(1, min(len(files), os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work, conn.cursor()) for _ in range(workers)]:
            future.result()

    staged_bytes = dict(
        conn.execute(f"SELECT source_file, sum(line_bytes) FROM {STAGE} GROUP BY 1").fetchall()
    )
    for file in files:
        if file.path.suffix == ".gz" and not _read_whole_gzip(
            file.path, staged_bytes.get(file.path.name, 0)
        ):
            # DuckDB reads only the first member of a multi-member gzip (files appended to
            # with `cat a.gz b.gz`); Python's gzip reads them all, so stage from its output.
            conn.execute(f"DELETE FROM {STAGE} WHERE source_file = ?", [file.path.name])
            with tempfile.TemporaryDirectory() as tmp:
                plain = Path(tmp) / file.path.name.removesuffix(".gz")
                with gzip.open(file.path, "rb") as src, plain.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                run_sql(conn, "core/stage_segment_file", params(file, plain))


def _read_whole_gzip(path: Path, staged: int) -> bool:
    """Whether the staged lines (``staged`` bytes) account for every byte of the gzip file.

    The gzip trailer's ISIZE is the uncompressed size (mod 2**32) of the last member: it
    equals the staged bytes (lines + newlines, the last newline optional) only when the
    file is a single member that was read to its end.
    """
    with path.open("rb") as handle:
        handle.seek(-4, 2)
        isize = int.from_bytes(handle.read(4), "little")
    return staged % 2**32 in (isize, (isize + 1) % 2**32)
