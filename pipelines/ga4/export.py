"""GA4 BigQuery export files (``landing/ga4_export/``) → ``raw.events``, one file per transaction.

The export's ``events_*`` rows become events with ``source='ga4_export'`` (mapping in
``sql/ga4/stage_export_file.sql`` and ``docs/ga4.md``). The rules are the Segment
ingestion's: a rerun of a file replaces what its previous load wrote (rows,
quarantine entries, load-log row) in one transaction; an event already loaded from
another file on the same local dates is a duplicate; every row is accounted for as
loaded, duplicate or quarantined with a reason.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.ingest.load import LoadResult, StagedFile, replace_file_rows
from pipelines.ingest.readable import (
    MAX_LINE_BYTES,
    apply_rejected,
    read_whole,
    rewrite_readable,
)
from pipelines.settings import Settings
from pipelines.warehouse import run_sql

SOURCE = "ga4_export"
PARQUET_SUFFIXES = (".parquet",)
NDJSON_SUFFIXES = (".ndjson", ".json", ".jsonl", ".ndjson.gz", ".json.gz", ".jsonl.gz")
# BigQuery names the daily export tables events_YYYYMMDD (events_intraday_YYYYMMDD while the day runs).
_TABLE_DAY_RE = re.compile(r"events_(?:intraday_)?(\d{8})")


class Ga4ExportError(ValueError):
    """A GA4 export file cannot be read at all; the message names the file."""


@dataclass(frozen=True)
class ExportFile:
    path: Path
    size: int
    mtime: float

    @property
    def format(self) -> str:
        return "parquet" if self.path.name.lower().endswith(PARQUET_SUFFIXES) else "ndjson"

    @property
    def export_day(self) -> str | None:
        """The export table's day (``events_20201101…`` → ``2020-11-01``), if the name carries one."""
        match = _TABLE_DAY_RE.search(self.path.name)
        if not match:
            return None
        try:
            return dt.datetime.strptime(match.group(1), "%Y%m%d").date().isoformat()
        except ValueError:
            return None


def list_export_files(export_dir: Path) -> list[ExportFile]:
    """Parquet and NDJSON files in the GA4 landing directory, by name; temp/hidden files skipped."""
    if not export_dir.is_dir():
        return []
    files = []
    for path in sorted(export_dir.iterdir()):
        name = path.name.lower()
        if name.startswith((".", "_")) or not path.is_file():
            continue
        if name.endswith(PARQUET_SUFFIXES + NDJSON_SUFFIXES):
            stat = path.stat()
            files.append(ExportFile(path=path, size=stat.st_size, mtime=stat.st_mtime))
    return files


def changed_files(
    conn: duckdb.DuckDBPyConnection, files: list[ExportFile], timezone: str
) -> list[ExportFile]:
    """Files never loaded, replaced since their last load (size or mtime differ), or loaded
    while the reporting zone was another than ``timezone``."""
    loaded = {
        name: (size, mtime, zone)
        for name, size, mtime, zone in conn.execute(
            """
            SELECT source_file, file_size, epoch(file_mtime), timezone
            FROM ops.load_log WHERE source = ?
            """,
            [SOURCE],
        ).fetchall()
    }
    return [
        f
        for f in files
        if f.path.name not in loaded
        or loaded[f.path.name][0] != f.size
        or abs((loaded[f.path.name][1] or 0) - f.mtime) >= 1
        or loaded[f.path.name][2] not in (None, timezone)
    ]


def stage_file(
    conn: duckdb.DuckDBPyConnection, file: ExportFile, settings: Settings, now: dt.datetime
) -> None:
    """Read and classify one file into the temp table ``ga4_stage``; writes nothing permanent."""
    run_sql(conn, "ga4/macros")
    try:
        if file.format == "parquet":
            run_sql(conn, "ga4/read_export_parquet", {"path": str(file.path)})
        else:
            _read_ndjson(conn, file.path)
    except (duckdb.Error, OSError, EOFError, zlib.error) as exc:
        raise Ga4ExportError(
            f"{file.path}: cannot read as a GA4 export {file.format} file: {str(exc).splitlines()[0]}"
        ) from exc
    run_sql(
        conn,
        "ga4/stage_export_file",
        {
            "source_file": file.path.name,
            "now": now,
            "start_date": settings.start_date,
            "tz": settings.timezone,
        },
    )


def _read_ndjson(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Read an NDJSON export file into ``ga4_export_lines``. A file DuckDB's reader cannot
    take whole (a line not UTF-8 or too long fails the read; a NUL byte cuts its line; gzip
    members after the first) is read from its readable rewrite instead, the lines it could
    not take quarantined with their own reasons and whole text."""

    def read(file: Path) -> None:
        run_sql(
            conn, "ga4/read_export_ndjson", {"path": str(file), "max_line_bytes": MAX_LINE_BYTES}
        )

    try:
        read(path)
        staged_bytes, staged_lines = conn.execute(
            "SELECT coalesce(sum(strlen(line) + 1), 0), count(*) FROM ga4_export_lines"
        ).fetchone()
        if read_whole(path, path.stat().st_size, staged_bytes, staged_lines):
            return
    except duckdb.InvalidInputException:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / path.name.removesuffix(".gz")
        rejected = rewrite_readable(path, plain)
        read(plain)
    apply_rejected(conn, rejected, "ga4/stage_rejected")


def ingest_file(
    conn: duckdb.DuckDBPyConnection,
    file: ExportFile,
    settings: Settings,
    now: dt.datetime | None = None,
) -> LoadResult:
    """Load one export file; replaces whatever an earlier load of the same file wrote."""
    now = now or dt.datetime.now(dt.UTC)
    source_file = file.path.name
    stage_file(conn, file, settings, now)
    staged = StagedFile(source_file, file.export_day, file.size, file.mtime)
    [result] = replace_file_rows(conn, "ga4_stage", SOURCE, [staged], now, settings.timezone)
    conn.execute("DROP TABLE IF EXISTS ga4_stage")
    conn.execute("DROP TABLE IF EXISTS ga4_export_lines")
    return result


def ingest_export_files(
    conn: duckdb.DuckDBPyConnection, files: list[ExportFile], settings: Settings
) -> list[LoadResult]:
    return [ingest_file(conn, f, settings) for f in sorted(files, key=lambda f: f.path.name)]
