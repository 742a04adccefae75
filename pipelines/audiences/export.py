"""Audience files: ``$RETAINLY_HOME/exports/<audience>/<as_of>/<destination>.csv`` + manifest.

Every file is written to a temporary name in the same directory and renamed into place, so
a reader never sees half a file; the manifest is written last. A rerun for the same as_of
replaces the directory's files (destinations now skipped or dropped lose their old file)
and the (audience, as_of) rows of ``marts.audience_exports``. Files under a destination's
minimum size are not written; the manifest and ``marts.audience_exports`` say why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.audiences.config import AudienceConfig, DestinationSettings
from pipelines.audiences.destinations import DESTINATIONS, Destination
from pipelines.audiences.members import Membership, ensure_tables
from pipelines.settings import Settings
from pipelines.warehouse import execute, sql_text, transaction

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
EXPORT_WORKERS = 2


@dataclass
class DestinationExport:
    destination: str
    status: str  # "written" | "skipped"
    rows: int
    members: int
    min_size: int
    reason: str | None
    file: str | None
    sha256: str | None
    bytes: int | None
    template: str
    columns: list[str]
    header: bool
    details: dict = field(default_factory=dict)


@dataclass
class ExportResult:
    audience: str
    as_of: dt.date
    directory: Path
    manifest_path: Path
    destinations: list[DestinationExport]

    @property
    def rows_by_destination(self) -> dict[str, int]:
        return {d.destination: d.rows for d in self.destinations if d.status == "written"}

    @property
    def skipped(self) -> dict[str, str]:
        return {d.destination: d.reason or "" for d in self.destinations if d.status == "skipped"}


def export_directory(settings: Settings, audience: str, as_of: dt.date) -> Path:
    return settings.exports_dir / audience / as_of.isoformat()


def export_audience(
    conn: duckdb.DuckDBPyConnection,
    config: AudienceConfig,
    membership: Membership,
    settings: Settings,
    now: dt.datetime | None = None,
) -> ExportResult:
    """Write every destination file of ``membership``'s audience, then its manifest."""
    now = now or dt.datetime.now(dt.UTC)
    audience = config.get(membership.audience)
    ensure_tables(conn)
    directory = export_directory(settings, audience.name, membership.as_of)
    directory.mkdir(parents=True, exist_ok=True)
    # Destinations are independent: two at a time, each on its own cursor, so one file's
    # CSV writing and hashing (outside the GIL) overlaps another's query.
    with ThreadPoolExecutor(max_workers=EXPORT_WORKERS) as pool:
        exports = list(
            pool.map(
                lambda name: _export_destination(
                    conn.cursor(),
                    membership,
                    DESTINATIONS[name],
                    config.settings_for(name),
                    directory,
                ),
                audience.destinations,
            )
        )
    manifest = {
        "audience": audience.name,
        "as_of": membership.as_of.isoformat(),
        "created_at": now.isoformat(),
        "model_version": membership.model_version,
        "definition": audience.model_dump(mode="json"),
        "definitions_file": config.source_path,
        "consent": config.consent.model_dump(mode="json"),
        "rows_in": membership.rows_in,
        "rows_removed": {
            "users": membership.users_removed,
            "identifiers": membership.identifiers_removed,
        },
        "members_out": membership.members,
        "identifiers_out": membership.identifiers,
        "history": {
            "previous_as_of": membership.previous_as_of.isoformat()
            if membership.previous_as_of
            else None,
            "entered": membership.entered,
            "left": membership.left,
        },
        "destinations": {e.destination: _manifest_entry(e) for e in exports},
    }
    manifest_path = directory / MANIFEST
    write_atomic(
        manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    )
    # Files of destinations skipped or dropped since an earlier run of this date go last,
    # once the manifest already describes the new state.
    kept = {e.file for e in exports if e.file}
    for path in directory.iterdir():
        if path.name != MANIFEST and path.name not in kept and path.is_file():
            path.unlink()
    _record(conn, membership, exports, directory, now)
    for e in exports:
        log.info(
            "audience %s as of %s → %s: %s, %d rows%s",
            audience.name,
            membership.as_of,
            e.destination,
            e.status,
            e.rows,
            f" ({e.reason})" if e.reason else "",
        )
    return ExportResult(audience.name, membership.as_of, directory, manifest_path, exports)


def _export_destination(
    conn: duckdb.DuckDBPyConnection,
    membership: Membership,
    destination: Destination,
    settings: DestinationSettings,
    directory: Path,
) -> DestinationExport:
    params = {"audience": membership.audience, "as_of": membership.as_of}
    table = execute(conn, sql_text(destination.sql_name), params).to_arrow_table()
    if tuple(table.column_names) != destination.columns:
        raise AssertionError(
            f"{destination.sql_name}.sql returns {table.column_names}, template is {destination.columns}"
        )
    if destination.row_unit == "person":
        members = table.num_rows
    else:
        members = conn.execute(
            "SELECT count(madids) FROM marts.audience_members_wide WHERE audience = ? AND as_of = ?",
            [membership.audience, membership.as_of],
        ).fetchone()[0]
    min_size = settings.min_size or destination.min_size
    details = {"app_id": settings.app_id} if destination.name == "google_ads_mobile" else {}
    export = DestinationExport(
        destination=destination.name,
        status="written",
        rows=table.num_rows,
        members=members,
        min_size=min_size,
        reason=None,
        file=None,
        sha256=None,
        bytes=None,
        template=destination.template_url,
        columns=list(destination.columns),
        header=destination.header,
        details=details,
    )
    if table.num_rows < min_size:
        export.status = "skipped"
        export.reason = f"below minimum size: {table.num_rows} rows < {min_size} required by {destination.label}"
        return export
    path = directory / destination.file_name
    export.sha256, export.bytes = write_atomic(
        path, lambda handle: _write_csv(handle, table, destination)
    )
    export.file = path.name
    return export


def _write_csv(handle: _HashingWriter, table: pa.Table, destination: Destination) -> None:
    """Header exactly as the template (pyarrow would quote it), then unquoted rows: no value
    can contain a delimiter or quote, and pyarrow raises if one ever does."""
    if destination.header:
        handle.write((",".join(destination.columns) + "\n").encode("utf-8"))
    pacsv.write_csv(table, handle, pacsv.WriteOptions(include_header=False, quoting_style="none"))


class _HashingWriter(io.RawIOBase):
    """A binary file that hashes what it writes (one pass for the file and its SHA-256)."""

    def __init__(self, handle) -> None:
        self._handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self.size += view.nbytes
        return self._handle.write(view)


def write_atomic(path: Path, write: Callable[[_HashingWriter], None] | bytes) -> tuple[str, int]:
    """Write to a temporary file beside ``path``, fsync, rename over it; returns the
    file's SHA-256 hex digest and size."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as raw:
            handle = _HashingWriter(raw)
            if isinstance(write, bytes):
                handle.write(write)
            else:
                write(handle)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return handle.sha256.hexdigest(), handle.size


def _manifest_entry(export: DestinationExport) -> dict:
    entry = asdict(export)
    entry.pop("destination")
    details = entry.pop("details")
    return {**entry, **details}


def _record(
    conn: duckdb.DuckDBPyConnection,
    membership: Membership,
    exports: list[DestinationExport],
    directory: Path,
    now: dt.datetime,
) -> None:
    rows = [
        (
            membership.audience,
            membership.as_of,
            e.destination,
            e.rows,
            e.status,
            e.reason,
            e.sha256,
            str(directory / e.file) if e.file else None,
            now,
        )
        for e in exports
    ]
    with transaction(conn):
        conn.execute(
            "DELETE FROM marts.audience_exports WHERE audience = ? AND as_of = ?",
            [membership.audience, membership.as_of],
        )
        conn.executemany(
            "INSERT INTO marts.audience_exports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
