"""Local days in the reporting time zone, as UTC instants.

Files are cut per *local* day, so every event time is drawn as "milliseconds since
local midnight" inside that day's true length (23, 24 or 25 hours around DST) and
converted to UTC here; the UTC offset is carried per event so timestamps can be
written in the ``+09:00`` form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class DayClock:
    """One local day: [start_ms, start_ms + length_ms) in UTC epoch milliseconds."""

    date: dt.date
    start_ms: int
    length_ms: int
    offset_before_ms: int
    offset_after_ms: int
    switch_ms: int  # UTC instant the offset changes (== end when it does not)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.length_ms

    @property
    def suffixes(self) -> tuple[str, str]:
        """ISO-8601 offset suffixes before/after the (rare) in-day offset change."""
        return offset_suffix(self.offset_before_ms), offset_suffix(self.offset_after_ms)

    def offset_index(self, utc_ms: np.ndarray) -> np.ndarray:
        """0 for instants before the offset change, 1 after."""
        return (utc_ms >= self.switch_ms).astype(np.int8)

    def local_ms(self, utc_ms: np.ndarray) -> np.ndarray:
        """Wall-clock milliseconds (epoch-based) for formatting with the offset suffix."""
        return utc_ms + np.where(
            utc_ms >= self.switch_ms, self.offset_after_ms, self.offset_before_ms
        )


def offset_suffix(offset_ms: int) -> str:
    sign = "+" if offset_ms >= 0 else "-"
    minutes = abs(offset_ms) // 60_000
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _midnight_ms(date: dt.date, tz: ZoneInfo) -> int:
    return int(dt.datetime.combine(date, dt.time(0), tzinfo=tz).timestamp() * 1000)


def _offset_ms(utc_ms: int, tz: ZoneInfo) -> int:
    instant = dt.datetime.fromtimestamp(utc_ms / 1000, tz=dt.UTC).astimezone(tz)
    return int(instant.utcoffset().total_seconds() * 1000)


def day_clock(date: dt.date, tz: ZoneInfo) -> DayClock:
    start = _midnight_ms(date, tz)
    end = _midnight_ms(date + dt.timedelta(days=1), tz)
    before, after = _offset_ms(start, tz), _offset_ms(end - 1, tz)
    switch = end
    if before != after:  # bisect to the minute of the transition
        lo, hi = start, end - 1
        while hi - lo > 60_000:
            mid = (lo + hi) // 2
            if _offset_ms(mid, tz) == before:
                lo = mid
            else:
                hi = mid
        switch = hi - hi % 60_000
    return DayClock(date, start, end - start, before, after, switch)
