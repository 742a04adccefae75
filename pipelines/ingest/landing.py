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


def list_event_files(events_dir: Path) -> list[LandingFile]:
    """Complete landing files, oldest day first; temp files of writers in progress are skipped."""
    if not events_dir.is_dir():
        return []
    files = []
    for path in sorted(events_dir.iterdir()):
        day = _file_day(path.name)
        if day is None or not path.is_file():
            continue
        stat = path.stat()
        files.append(LandingFile(path=path, day=day, size=stat.st_size, mtime=stat.st_mtime))
    return files


def unrecognized_files(events_dir: Path) -> list[Path]:
    """Visible files of the landing directory that are never loaded: their name does not
    start with a valid date or does not end in .jsonl / .jsonl.gz (say, ``events.json``)."""
    if not events_dir.is_dir():
        return []
    return [
        p
        for p in sorted(events_dir.iterdir())
        if not p.name.startswith(".") and _file_day(p.name) is None and p.is_file()
    ]


def _file_day(name: str) -> dt.date | None:
    """The day a landing file's name gives it, None when the name is not a landing file's."""
    match = EVENT_FILE_RE.match(name)
    try:
        return dt.date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def files_for_days(events_dir: Path, days: set[dt.date]) -> list[LandingFile]:
    return [f for f in list_event_files(events_dir) if f.day in days]
