"""Delivery and data-quality noise: when each event is sent, in which file it lands,
retries, late mobile events and broken lines.

Real collectors deliver what the pipeline must survive: a retried batch re-sends a
message with the same ``messageId`` (sometimes after midnight, into the next file),
a phone that was offline flushes its queue days later (``timestamp`` keeps the real
time, ``sentAt`` is the flush), and a few lines per file are broken. All of it is
drawn from the day's generator, so it is as deterministic as the events themselves,
and counted exactly so tests and ``ops.load_log`` can be reconciled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from pipelines.generate import catalog as cat
from pipelines.generate.activity import DayEvents

LATE_DELAY_DAYS = np.array([1, 1, 1, 1, 1, 1, 1, 2, 2, 3])
BAD_KINDS = ("truncated_json", "missing_ids", "invalid_timestamp", "unknown_type")


@dataclass(frozen=True)
class NoiseRates:
    """Rates of delivery noise (defaults: what a healthy Segment source looks like)."""

    duplicate_rate: float = 0.001  # events re-sent with the same messageId
    next_day_duplicate_share: float = 0.25  # of those, the retry lands in the next file
    late_rate: float = 0.002  # of mobile-SDK events, delivered in a later day's file
    max_bad_lines_per_file: int = 3  # each file gets 0..max broken lines


@dataclass
class Delivery:
    """Where the rows of one day's events go."""

    main: np.ndarray  # row indices written to the day's own file, in order (retries repeated)
    spill: dict[int, np.ndarray]  # later day -> row indices appended to that day's file
    sent: np.ndarray  # int64 sentAt (UTC ms) per row
    late: int = 0
    late_to: dict[int, int] = field(default_factory=dict)  # later day -> late events sent there
    duplicates: int = 0  # extra copies written in total (same file + next file)
    next_day_duplicates: int = 0
    bad_lines: list[tuple[int, int]] = field(default_factory=list)  # (position in main, kind)


def plan_delivery(
    events: DayEvents,
    rng: np.random.Generator,
    day: int,
    days: int,
    day_start_ms: int,
    rates: NoiseRates,
) -> Delivery:
    n = len(events)
    src = events.src
    web_like = (src == cat.SRC_WEB) | (src == cat.SRC_MOBILE_WEB)
    mobile = (src == cat.SRC_IOS) | (src == cat.SRC_ANDROID)
    delay = np.where(
        web_like,
        rng.integers(20, 900, n),
        np.where(mobile, rng.integers(200, 30_000, n), rng.integers(5, 80, n)),
    )
    sent = events.ts + delay

    has_later_file = day < days - 1
    late = mobile & (rng.random(n) < rates.late_rate) & has_later_file
    late_idx = np.flatnonzero(late)
    target = np.minimum(
        day + LATE_DELAY_DAYS[rng.integers(0, len(LATE_DELAY_DAYS), len(late_idx))], days - 1
    )
    sent[late_idx] = (
        day_start_ms
        + (target - day) * 86_400_000
        + rng.integers(8 * 3_600_000, 22 * 3_600_000, len(late_idx))
    )

    retry = ~late & (rng.random(n) < rates.duplicate_rate)
    next_day = retry & (rng.random(n) < rates.next_day_duplicate_share) & has_later_file
    same_day = retry & ~next_day
    on_time = np.flatnonzero(~late)
    main = np.repeat(on_time, 1 + same_day[on_time])

    spill: dict[int, list[np.ndarray]] = {}
    late_to: dict[int, int] = {}
    for t in np.unique(target):
        spill.setdefault(int(t), []).append(late_idx[target == t])
        late_to[int(t)] = int(np.count_nonzero(target == t))
    if next_day.any():
        spill.setdefault(day + 1, []).append(np.flatnonzero(next_day))
    merged = {t: np.sort(np.concatenate(parts)) for t, parts in spill.items()}

    bad: list[tuple[int, int]] = []
    if len(main):
        count = int(rng.integers(0, rates.max_bad_lines_per_file + 1))
        positions = np.sort(rng.choice(len(main), size=min(count, len(main)), replace=False))
        kinds = rng.integers(0, len(BAD_KINDS), len(positions))
        bad = [(int(p), int(k)) for p, k in zip(positions, kinds, strict=True)]
    return Delivery(
        main=main,
        spill=merged,
        sent=sent,
        late=len(late_idx),
        late_to=late_to,
        duplicates=int(retry.sum()),
        next_day_duplicates=int(next_day.sum()),
        bad_lines=bad,
    )


def bad_line(source: str, kind: int, rng: np.random.Generator) -> str:
    """A broken copy of ``source`` (one JSON line, without newline) of the given kind."""
    if BAD_KINDS[kind] == "truncated_json":
        cut = max(1, int(len(source) * rng.uniform(0.3, 0.9)))  # cut by characters: stays UTF-8
        return source[:cut]
    message = json.loads(source)
    message["messageId"] = _uuid(rng)
    if BAD_KINDS[kind] == "missing_ids":
        for key in ("userId", "anonymousId", "previousId"):
            message.pop(key, None)
    elif BAD_KINDS[kind] == "invalid_timestamp":
        broken = cat.BAD_TIMESTAMPS[int(rng.integers(0, len(cat.BAD_TIMESTAMPS)))]
        for key in ("timestamp", "originalTimestamp", "sentAt"):
            message[key] = broken
    else:
        message["type"] = "group2"
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def _uuid(rng: np.random.Generator) -> str:
    h = f"{int(rng.integers(0, 2**63)):016x}{int(rng.integers(0, 2**63)):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
