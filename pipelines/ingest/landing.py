"""Landing files and the daily partitions they belong to.

A landing file belongs to the local day its name starts with
(``2026-05-01.jsonl.gz``, ``2026-05-01-part2.jsonl``). Events inside keep their own
timestamps, so a late event lands on its true ``event_date`` whatever file carried it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

EVENT_FILE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}).*\.jsonl(\.gz)?$")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    day: dt.date
    size: int
    mtime: float

    @property
    def fingerprint(self) -> str:
        """Changes when the file is replaced or appended to (the sensor's cursor)."""
        return f"{self.size}:{int(self.mtime)}"


def scan_events_dir(events_dir: Path) -> tuple[list[LandingFile], list[Path]]:
    """One listing of the landing directory: its complete landing files, oldest day first,
    and its other visible files, which are never loaded (a name that does not start with a
    valid date or does not end in .jsonl / .jsonl.gz, say ``events.json``). Hidden files
    (temp files of writers in progress) are neither."""
    if not events_dir.is_dir():
        return [], []
    files: list[LandingFile] = []
    unrecognized: list[Path] = []
    for path in sorted(events_dir.iterdir()):
        if not path.is_file():
            continue
        day = _file_day(path.name)
        if day is not None:
            stat = path.stat()
            files.append(LandingFile(path=path, day=day, size=stat.st_size, mtime=stat.st_mtime))
        elif not path.name.startswith("."):
            unrecognized.append(path)
    return files, unrecognized


def list_event_files(events_dir: Path) -> list[LandingFile]:
    """Complete landing files, oldest day first."""
    return scan_events_dir(events_dir)[0]


def _file_day(name: str) -> dt.date | None:
    """The day a landing file's name gives it, None when the name is not a landing file's."""
    match = EVENT_FILE_RE.match(name)
    try:
        return dt.date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def files_for_days(files: list[LandingFile], days: set[dt.date]) -> list[LandingFile]:
    return [f for f in files if f.day in days]
