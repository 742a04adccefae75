"""The metrics marts written the usual pandas way: the benchmark's reference.

The same definitions as ``sql/metrics`` (docs/metrics.md), computed from in-memory frames
with ``groupby`` / ``nunique`` / ``merge`` — how an analyst would write them in a notebook —
for every mart but the funnel, and at the same scope: both cohort events, every grain,
method and segment of ``marts.retention``; lifecycle per day, week and month; conversion by
channel. ``mismatches`` compares each result with the warehouse's mart, so the benchmark's
speed-up is measured between two implementations of the same tables.

Dates are integer day numbers (days since 1970-01-01) throughout: calendar arithmetic on
integers is the fast pandas idiom, so the reference is not slowed by datetime handling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MONDAY_1970 = 4  # day number of Monday 1970-01-05
STATUSES = ("new", "returning", "resurrecting", "dormant")


@dataclass(frozen=True)
class Calendar:
    """Day / week / month buckets of integer day numbers; weeks start on ``week_start``."""

    week_start: int

    def index(self, days: pd.Series | np.ndarray, grain: str) -> np.ndarray:
        days = np.asarray(days, dtype=np.int64)
        if grain == "day":
            return days
        if grain == "week":
            return (days - MONDAY_1970 - self.week_start) // 7
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)

    def start_of_index(self, index: np.ndarray, grain: str) -> np.ndarray:
        index = np.asarray(index, dtype=np.int64)
        if grain == "day":
            return index
        if grain == "week":
            return index * 7 + MONDAY_1970 + self.week_start
        return index.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)

    def start(self, days: pd.Series | np.ndarray, grain: str) -> np.ndarray:
        return self.start_of_index(self.index(days, grain), grain)

    def end(self, starts: pd.Series | np.ndarray, grain: str) -> np.ndarray:
        """The last day of the period starting on each of ``starts``."""
        return self.start_of_index(self.index(starts, grain) + 1, grain) - 1


@dataclass(frozen=True)
class RetentionConfig:
    max_offsets: dict[str, int]
    brackets: list[tuple[int, int]]
    segments: list[str]


def day_numbers(dates: pd.Series) -> pd.Series:
    return (pd.to_datetime(dates) - pd.Timestamp("1970-01-01")).dt.days


def active_days(events: pd.DataFrame) -> pd.DataFrame:
    """(user_key, day) for every user-day with activity."""
    days = events.loc[events["is_active"], ["user_key", "event_date"]].drop_duplicates()
    return pd.DataFrame({"user_key": days["user_key"], "day": day_numbers(days["event_date"])})


def active_users(days: pd.DataFrame) -> pd.DataFrame:
    """DAU / WAU / MAU per date: the distinct users of each trailing window."""
    rows = []
    for d in range(days["day"].min(), days["day"].max() + 1):
        window = days[(days["day"] > d - 30) & (days["day"] <= d)]
        rows.append(
            (
                d,
                window.loc[window["day"] == d, "user_key"].nunique(),
                window.loc[window["day"] > d - 7, "user_key"].nunique(),
                window["user_key"].nunique(),
            )
        )
    return pd.DataFrame(rows, columns=["date", "dau", "wau", "mau"])


def _segments(users: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "all": "all",
            "signup_method": users["signup_method"].fillna("(none)"),
            "utm_source": users["first_utm_source"].fillna("(direct)"),
            "platform": users["platform"].fillna("unknown"),
        },
        index=users.index,
    ).astype("category")


def retention(
    days: pd.DataFrame, users: pd.DataFrame, cal: Calendar, config: RetentionConfig
) -> pd.DataFrame:
    """marts.retention's rows: cohort_size and retained_users (NaN when unobserved)."""
    last_day = days["day"].max()
    users = users.set_index("user_key")
    segments = _segments(users)
    last_active = days.groupby("user_key")["day"].max().reindex(users.index)
    first_seen = pd.DataFrame(
        {
            "cohort_event": "first_seen",
            "cohort_day": users["first_seen_day"],
            "last_day": last_active,
        }
    )[last_active.notna()]
    signup = pd.DataFrame(
        {"cohort_event": "signup", "cohort_day": users["signup_day"], "last_day": last_active}
    )[users["signup_day"].notna()]
    members = pd.concat([first_seen, signup]).join(segments).rename_axis("user_key").reset_index()
    members["cohort_day"] = members["cohort_day"].astype(np.int64)
    member_days = members.drop(columns="last_day").merge(days, on="user_key")
    member_days = member_days[member_days["day"] >= member_days["cohort_day"]]
    day_offset = member_days["day"] - member_days["cohort_day"]
    member_days["bracket"] = -1
    for i, (low, high) in enumerate(config.brackets):
        member_days.loc[(day_offset >= low) & (day_offset <= high), "bracket"] = i

    out = []
    for grain in ("day", "week", "month"):
        max_offset = config.max_offsets[grain]
        members["cohort_start"] = cal.start(members["cohort_day"], grain)
        last_offset = cal.index(
            members["last_day"].fillna(members["cohort_day"]), grain
        ) - cal.index(members["cohort_day"], grain)
        members["last_offset"] = np.clip(last_offset, 0, max_offset)
        member_days["cohort_start"] = cal.start(member_days["cohort_day"], grain)
        member_days["offset"] = cal.index(member_days["day"], grain) - cal.index(
            member_days["cohort_day"], grain
        )
        in_range = member_days[member_days["offset"].between(1, max_offset)]
        in_bracket = member_days[member_days["bracket"] >= 0]
        for segment in ["all", *config.segments]:
            keys = ["cohort_event", "cohort_start", segment]
            size = members.groupby(keys, observed=True).size().rename("cohort_size")
            n_day = in_range.groupby([*keys, "offset"], observed=True)["user_key"].nunique()
            last = (
                members.groupby([*keys, "last_offset"], observed=True).size().unstack(fill_value=0)
            )
            rolling = last.reindex(columns=range(max_offset + 1), fill_value=0)
            rolling = rolling.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1].stack()
            ranged = in_bracket.groupby([*keys, "bracket"], observed=True)["user_key"].nunique()
            cohorts = size.reset_index()
            cohort_end = cal.end(cohorts["cohort_start"], grain)
            for method, counts, offsets in (
                ("n_day", n_day, range(max_offset + 1)),
                ("rolling", rolling, range(max_offset + 1)),
                ("range", ranged, range(len(config.brackets))),
            ):
                grid = cohorts.merge(pd.DataFrame({"period_offset": offsets}), how="cross")
                index = pd.MultiIndex.from_frame(grid[[*keys, "period_offset"]])
                retained = counts.reindex(index, fill_value=0).to_numpy().astype(float)
                if method == "range":
                    highs = np.array([high for _, high in config.brackets])[grid["period_offset"]]
                    observed = np.repeat(cohort_end, len(offsets)) + highs <= last_day
                else:
                    start_index = cal.index(grid["cohort_start"], grain) + grid["period_offset"]
                    observed = cal.start_of_index(start_index + 1, grain) - 1 <= last_day
                retained[~observed] = np.nan
                zero = grid["period_offset"].to_numpy() == 0
                retained[zero] = grid["cohort_size"].to_numpy()[zero]
                out.append(
                    pd.DataFrame(
                        {
                            "cohort_event": grid["cohort_event"].to_numpy(),
                            "cohort_grain": grain,
                            "cohort_start": grid["cohort_start"].to_numpy(),
                            "method": method,
                            "period_offset": grid["period_offset"].to_numpy(),
                            "segment_type": segment,
                            "segment_value": grid[segment].astype(str).to_numpy(),
                            "cohort_size": grid["cohort_size"].to_numpy(),
                            "retained_users": retained,
                        }
                    )
                )
    return pd.concat(out, ignore_index=True)


def stickiness(days: pd.DataFrame, cal: Calendar) -> pd.DataFrame:
    """Users by number of active days in each calendar week / month."""
    out = []
    for grain in ("week", "month"):
        per_user = days.groupby([cal.start(days["day"], grain), days["user_key"]]).size()
        counts = per_user.groupby(level=0).value_counts()
        counts.index.names = ["period_start", "active_days"]
        out.append(counts.rename("users").reset_index().assign(period_grain=grain))
    return pd.concat(out, ignore_index=True)


def lifecycle(days: pd.DataFrame, cal: Calendar) -> pd.DataFrame:
    """New / returning / resurrecting / dormant (negative) users per period."""
    first_day, last_day = days["day"].min(), days["day"].max()
    out = []
    for grain in ("day", "week", "month"):
        periods = (
            pd.DataFrame({"user_key": days["user_key"], "period": cal.index(days["day"], grain)})
            .drop_duplicates()
            .sort_values(["user_key", "period"])
        )
        by_user = periods.groupby("user_key")["period"]
        previous, following = by_user.shift(), by_user.shift(-1)
        status = np.select(
            [previous.isna(), previous == periods["period"] - 1],
            ["new", "returning"],
            "resurrecting",
        )
        active = periods.assign(status=status).groupby(["period", "status"]).size()
        leaving = periods[following.isna() | (following > periods["period"] + 1)]
        dormant = -(leaving["period"] + 1).value_counts()
        dormant.index = pd.MultiIndex.from_arrays(
            [dormant.index, ["dormant"] * len(dormant)], names=["period", "status"]
        )
        first, last = cal.index([first_day], grain)[0], cal.index([last_day], grain)[0]
        grid = pd.MultiIndex.from_product(
            [range(first, last + 1), STATUSES], names=["period", "status"]
        )
        users = (
            pd.concat([active, dormant]).reindex(grid, fill_value=0).rename("users").reset_index()
        )
        users["period_start"] = cal.start_of_index(users.pop("period").to_numpy(), grain)
        out.append(users.assign(period_grain=grain))
    return pd.concat(out, ignore_index=True)


def conversion(users: pd.DataFrame, last_day: int, cal: Calendar) -> pd.DataFrame:
    """Sign-ups per cohort and channel, and how many paid within 7 / 30 days and ever."""
    signed = users[users["signup_ts"].notna()]
    delay = signed["first_paid_ts"] - signed["signup_ts"]
    signed = signed.assign(
        paid_7d=(delay <= pd.Timedelta(days=7)).fillna(False),
        paid_30d=(delay <= pd.Timedelta(days=30)).fillna(False),
        paid_ever=signed["first_paid_ts"].notna(),
    )
    signed = signed.drop(columns="signup_method").join(
        _segments(signed)[["all", "signup_method", "utm_source"]]
    )
    out = []
    for grain in ("day", "week", "month"):
        signed["cohort_start"] = cal.start(signed["signup_day"].astype(np.int64), grain)
        for segment in ("all", "signup_method", "utm_source"):
            totals = (
                signed.groupby(["cohort_start", segment], observed=True)
                .agg(
                    signups=("paid_ever", "size"),
                    paid_within_7d=("paid_7d", "sum"),
                    paid_within_30d=("paid_30d", "sum"),
                    paid_ever=("paid_ever", "sum"),
                )
                .reset_index()
                .rename(columns={segment: "segment_value"})
            )
            end = cal.end(totals["cohort_start"], grain)
            totals["paid_within_7d"] = totals["paid_within_7d"].where(end + 7 <= last_day)
            totals["paid_within_30d"] = totals["paid_within_30d"].where(end + 30 <= last_day)
            out.append(totals.assign(cohort_grain=grain, segment_type=segment))
    result = pd.concat(out, ignore_index=True)
    result["segment_value"] = result["segment_value"].astype(str)
    return result


@dataclass(frozen=True)
class FunnelStep:
    name: str
    event_name: str | None
    event_type: str | None


def funnel(
    events: pd.DataFrame,
    users: pd.DataFrame,
    steps: list[FunnelStep],
    window_seconds: int,
    segments: list[str],
) -> pd.DataFrame:
    """Users whose best attempt reached each step, and the median seconds from the previous
    step. ``events``: user_key, ts (epoch microseconds), event_name, event_type."""
    window = window_seconds * 1_000_000

    def matching(step: FunnelStep) -> pd.DataFrame:
        mask = pd.Series(True, index=events.index)
        if step.event_name is not None:
            mask &= events["event_name"] == step.event_name
        if step.event_type is not None:
            mask &= events["event_type"] == step.event_type
        return events.loc[mask, ["user_key", "ts"]]

    # Every step-1 event starts an attempt; each later step takes the earliest matching event
    # strictly after the attempt's previous step, if within the window of its start.
    first = matching(steps[0])
    attempts = pd.DataFrame(
        {"user_key": first["user_key"], "start": first["ts"], "last": first["ts"], "level": 1}
    ).reset_index(drop=True)
    for number in range(2, len(steps) + 1):
        attempts[f"seconds_{number}"] = np.nan
    for number, step in enumerate(steps[1:], start=2):
        waiting = attempts[attempts["level"] == number - 1].reset_index(names="attempt")
        moved = pd.merge_asof(
            waiting.sort_values("last"),
            matching(step).rename(columns={"ts": "next"}).sort_values("next"),
            left_on="last",
            right_on="next",
            by="user_key",
            direction="forward",
            allow_exact_matches=False,
        )
        moved = moved[moved["next"].notna() & (moved["next"] - moved["start"] <= window)]
        moved = moved.set_index("attempt")
        attempts.loc[moved.index, f"seconds_{number}"] = (moved["next"] - moved["last"]) / 1e6
        attempts.loc[moved.index, "last"] = moved["next"].astype(np.int64)
        attempts.loc[moved.index, "level"] = number
    best = attempts.sort_values(["level", "start"]).groupby("user_key").tail(1)
    best = best.join(_segments(users.set_index("user_key")), on="user_key")

    out = []
    for segment in ["all", *segments]:
        totals = []
        for number, step in enumerate(steps, start=1):
            reached = best[best["level"] >= number].groupby(segment, observed=True)
            counts = reached.size().rename("users").to_frame()
            counts["median_seconds_from_previous"] = (
                reached[f"seconds_{number}"].median() if number > 1 else np.nan
            )
            totals.append(counts.assign(step_number=number, step_name=step.name))
        result = pd.concat(totals).rename_axis("segment_value").reset_index()
        values = result.loc[result["step_number"] == 1, "segment_value"]
        grid = pd.MultiIndex.from_product(
            [values, range(1, len(steps) + 1)], names=["segment_value", "step_number"]
        )
        result = result.set_index(["segment_value", "step_number"]).reindex(grid).reset_index()
        result["users"] = result["users"].fillna(0)
        out.append(result.assign(segment_type=segment))
    result = pd.concat(out, ignore_index=True)
    result["segment_value"] = result["segment_value"].astype(str)
    return result[
        ["step_number", "segment_type", "segment_value", "users", "median_seconds_from_previous"]
    ]


def mismatches(expected: pd.DataFrame, actual: pd.DataFrame, keys: list[str]) -> int:
    """Rows present in only one frame or with a different value (NaN equals NaN; floats
    equal to 12 significant digits: medians of seconds are summed in another order)."""
    values = [c for c in expected.columns if c not in keys]
    merged = expected.merge(actual, on=keys, how="outer", suffixes=("", "_mart"), indicator=True)
    bad = merged["_merge"] != "both"
    for column in values:
        left, right = merged[column].astype(float), merged[f"{column}_mart"].astype(float)
        bad |= ~(np.isclose(left, right, rtol=1e-12, atol=1e-9) | (left.isna() & right.isna()))
    return int(bad.sum())
