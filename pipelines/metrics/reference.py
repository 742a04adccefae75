"""Plain-Python twins of the metrics definitions, written from ``docs/metrics.md`` rather
than from the SQL: the property tests compare every mart with them on random event sets.

Slow by design (sets and loops, no clever spans); inputs are small.

Input: ``days`` maps user → set of active local dates; ``users`` maps user →
``UserFacts``; ``events`` (funnels) is a list of ``(user, ts, event_name, event_type)``.
Output rows are plain tuples in the marts' column order, without the extra columns.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

GRAINS = ("day", "week", "month")
SEGMENT_DEFAULTS = {"signup_method": "(none)", "utm_source": "(direct)", "platform": "unknown"}


@dataclass(frozen=True)
class UserFacts:
    first_seen_date: dt.date | None  # first active local date (None: never active)
    signup_ts: dt.datetime | None
    signup_date: dt.date | None
    first_paid_ts: dt.datetime | None
    signup_method: str | None
    utm_source: str | None
    platform: str | None

    def segment(self, segment_type: str) -> str:
        if segment_type == "all":
            return "all"
        value = {
            "signup_method": self.signup_method,
            "utm_source": self.utm_source,
            "platform": self.platform,
        }[segment_type]
        return value if value is not None else SEGMENT_DEFAULTS[segment_type]


def period_start(grain: str, day: dt.date, week_start: int) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    return day.replace(day=1)


def shift(grain: str, start: dt.date, k: int) -> dt.date:
    if grain == "day":
        return start + dt.timedelta(days=k)
    if grain == "week":
        return start + dt.timedelta(weeks=k)
    months = start.year * 12 + start.month - 1 + k
    return dt.date(months // 12, months % 12 + 1, 1)


def period_end(grain: str, start: dt.date) -> dt.date:
    return shift(grain, start, 1) - dt.timedelta(days=1)


def _dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _bounds(days: dict[str, set[dt.date]]) -> tuple[dt.date, dt.date]:
    every = [d for ds in days.values() for d in ds]
    return min(every), max(every)


def active_users(days: dict[str, set[dt.date]]) -> list[tuple]:
    """(date, dau, wau, mau, window_complete, active_28d) for every date from first to last loaded."""
    first, last = _bounds(days)
    rows = []
    for d in _dates(first, last):

        def active_within(n: int, d: dt.date = d) -> int:
            window = {d - dt.timedelta(days=i) for i in range(n)}
            return sum(1 for ds in days.values() if ds & window)

        rows.append(
            (
                d,
                active_within(1),
                active_within(7),
                active_within(30),
                d - dt.timedelta(days=29) >= first,
                active_within(28),
            )
        )
    return rows


def retention(
    days: dict[str, set[dt.date]],
    users: dict[str, UserFacts],
    week_start: int,
    max_offsets: dict[str, int],
    brackets: list[tuple[int, int]],
    segments: list[str],
) -> dict[tuple, tuple]:
    """{(cohort_event, grain, cohort_start, method, offset, segment_type, segment_value):
    (cohort_size, retained_users, retention_rate)}."""
    _, last = _bounds(days)
    members: dict[tuple, set[str]] = defaultdict(set)
    for user, facts in users.items():
        for cohort_event, cohort_date in (
            ("first_seen", facts.first_seen_date),
            ("signup", facts.signup_date),
        ):
            if cohort_date is None:
                continue
            for grain in GRAINS:
                start = period_start(grain, cohort_date, week_start)
                for segment_type in ["all", *segments]:
                    members[
                        (cohort_event, grain, start, segment_type, facts.segment(segment_type))
                    ].add(user)
    out = {}
    for (cohort_event, grain, start, segment_type, value), group in members.items():
        size = len(group)
        dates = {
            u: users[u].first_seen_date if cohort_event == "first_seen" else users[u].signup_date
            for u in group
        }
        cells: list[tuple[str, int, bool, int]] = []
        for k in range(max_offsets[grain] + 1):
            first, end = shift(grain, start, k), period_end(grain, shift(grain, start, k))
            n_day = sum(1 for u in group if any(first <= d <= end for d in days.get(u, ())))
            rolling = sum(1 for u in group if any(d >= first for d in days.get(u, ())))
            cells += [("n_day", k, end <= last, n_day), ("rolling", k, end <= last, rolling)]
        for i, (low, high) in enumerate(brackets):
            observed = period_end(grain, start) + dt.timedelta(days=high) <= last
            in_bracket = sum(
                1 for u in group if any(low <= (d - dates[u]).days <= high for d in days.get(u, ()))
            )
            cells.append(("range", i, observed, in_bracket))
        for method, k, observed, retained in cells:
            if k == 0:  # the cohort itself
                retained, observed = size, True
            key = (cohort_event, grain, start, method, k, segment_type, value)
            out[key] = (size, retained, retained / size) if observed else (size, None, None)
    return out


def stickiness(days: dict[str, set[dt.date]], week_start: int) -> dict[tuple, int]:
    """{(grain, period_start, active_days): users}."""
    out: dict[tuple, int] = defaultdict(int)
    for grain in ("week", "month"):
        for ds in days.values():
            per_period: dict[dt.date, int] = defaultdict(int)
            for d in ds:
                per_period[period_start(grain, d, week_start)] += 1
            for start, n in per_period.items():
                out[(grain, start, n)] += 1
    return dict(out)


def lifecycle(days: dict[str, set[dt.date]], week_start: int) -> dict[tuple, int]:
    """{(grain, period_start, status): users} for every period of the loaded range."""
    first, last = _bounds(days)
    out = {}
    for grain in GRAINS:
        periods = sorted({period_start(grain, d, week_start) for d in _dates(first, last)})
        active = {u: {period_start(grain, d, week_start) for d in ds} for u, ds in days.items()}
        for p in periods:
            previous = shift(grain, p, -1)
            counts = dict.fromkeys(("new", "returning", "resurrecting", "dormant"), 0)
            for ps in active.values():
                if p in ps:
                    if min(ps) == p:
                        counts["new"] += 1
                    elif previous in ps:
                        counts["returning"] += 1
                    else:
                        counts["resurrecting"] += 1
                elif previous in ps:
                    counts["dormant"] -= 1
            for status, n in counts.items():
                out[(grain, p, status)] = n
    return out


def conversion(
    days: dict[str, set[dt.date]], users: dict[str, UserFacts], week_start: int
) -> dict[tuple, tuple]:
    """{(grain, cohort_start, segment_type, segment_value): (signups, paid_7d, paid_30d, paid_ever)}."""
    _, last = _bounds(days)
    groups: dict[tuple, list[UserFacts]] = defaultdict(list)
    for facts in users.values():
        if facts.signup_ts is None:
            continue
        for grain in GRAINS:
            start = period_start(grain, facts.signup_date, week_start)
            for segment_type in ("all", "signup_method", "utm_source"):
                groups[(grain, start, segment_type, facts.segment(segment_type))].append(facts)
    out = {}
    for key, group in groups.items():
        grain, start = key[0], key[1]

        def paid_within(n_days: int, group: list[UserFacts] = group) -> int:
            return sum(
                1
                for f in group
                if f.first_paid_ts is not None
                and f.first_paid_ts - f.signup_ts <= dt.timedelta(days=n_days)
            )

        end = period_end(grain, start)
        out[key] = (
            len(group),
            paid_within(7) if end + dt.timedelta(days=7) <= last else None,
            paid_within(30) if end + dt.timedelta(days=30) <= last else None,
            sum(1 for f in group if f.first_paid_ts is not None),
        )
    return out


def funnel_progress(
    user_events: list[tuple[dt.datetime, str, str]],
    steps: list[tuple[str | None, str | None]],
    window: dt.timedelta,
) -> tuple[int, list[float]]:
    """The furthest step reached by any attempt (ties: the latest start) and the seconds
    between consecutive steps of that attempt. Every step-1 event is tried as a start."""

    def matches(event: tuple[dt.datetime, str, str], step: int) -> bool:
        name, kind = steps[step]
        return (name is None or event[1] == name) and (kind is None or event[2] == kind)

    best: tuple[int, dt.datetime, list[float]] | None = None
    ordered = sorted(user_events)
    for start in ordered:
        if not matches(start, 0):
            continue
        level, previous, gaps = 1, start[0], []
        for step in range(1, len(steps)):
            nxt = [
                e[0] for e in ordered if matches(e, step) and previous < e[0] <= start[0] + window
            ]
            if not nxt:
                break
            gaps.append((min(nxt) - previous).total_seconds())
            level, previous = level + 1, min(nxt)
        if best is None or (level, start[0]) >= (best[0], best[1]):
            best = (level, start[0], gaps)
    return (0, []) if best is None else (best[0], best[2])


def funnel(
    events: list[tuple[str, dt.datetime, str, str]],
    users: dict[str, UserFacts],
    steps: list[tuple[str | None, str | None]],
    window_days: int,
    segments: list[str],
) -> dict[tuple, tuple]:
    """{(step_number, segment_type, segment_value): (users, median_seconds_from_previous)}."""
    by_user: dict[str, list] = defaultdict(list)
    for user, ts, name, kind in events:
        by_user[user].append((ts, name, kind))
    progress = {
        u: funnel_progress(evs, steps, dt.timedelta(days=window_days)) for u, evs in by_user.items()
    }
    out = {}
    for segment_type in ["all", *segments]:
        values = {
            users[u].segment(segment_type) for u, (level, _) in progress.items() if level >= 1
        }
        for value in values:
            for step in range(1, len(steps) + 1):
                reached = [
                    gaps
                    for u, (level, gaps) in progress.items()
                    if level >= step and users[u].segment(segment_type) == value
                ]
                median = (
                    statistics.median(g[step - 2] for g in reached)
                    if step > 1 and reached
                    else None
                )
                out[(step, segment_type, value)] = (len(reached), median)
    return out
