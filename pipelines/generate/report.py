"""What a generator run wrote, with exact counts to reconcile ingestion against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FileStats:
    """One landing file. ``lines = events + late_events + duplicates + bad_lines``."""

    path: Path
    date: dt.date
    lines: int
    events: int  # distinct valid events of this local day delivered on time
    late_events: int  # events of earlier days delivered late into this file
    duplicates: (
        int  # retry copies (same messageId) in this file, incl. retries of yesterday's events
    )
    bad_lines: int
    bad_line_kinds: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


@dataclass
class GenerateReport:
    """Totals of a run; ``events`` counts each valid event once (retries excluded)."""

    files: list[Path]
    events: int
    users: int
    signups: int
    paid: int
    seconds: float
    lines: int = 0
    duplicates: int = 0
    next_day_duplicates: int = 0  # retries that landed in the next day's file
    late_events: int = 0
    bad_lines: int = 0
    bad_line_kinds: dict[str, int] = field(default_factory=dict)
    renewals: int = 0
    revenue_krw: int = 0
    active_person_days: int = 0
    bytes_written: int = 0
    workers: int = 1
    start: dt.date | None = None
    days: int = 0
    timezone: str = ""
    seed: int = 0
    file_stats: list[FileStats] = field(default_factory=list)

    @property
    def events_per_user_day(self) -> float:
        return self.events / max(self.users * self.days, 1)

    @property
    def off_day_lines(self) -> int:
        """Valid lines whose timestamp is on an earlier local day than their file's."""
        return self.late_events + self.next_day_duplicates

    def summary(self) -> str:
        return (
            f"{self.events:,} events ({self.events_per_user_day:.3f} per user-day) from {self.users:,} people "
            f"in {len(self.files)} files; {self.signups:,} signups, {self.paid:,} paid; "
            f"{self.duplicates:,} duplicates, {self.late_events:,} late, {self.bad_lines:,} bad lines; "
            f"{self.bytes_written / 1e6:,.1f} MB in {self.seconds:.1f}s"
        )
