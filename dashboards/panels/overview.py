"""Overview: how many people use us, how sticky they are, signups, paid conversions, revenue."""

from __future__ import annotations

from dashboards import common as c
from dashboards.panels import shared

UID = "retainly-overview"


def active_user_stat(column: str, title: str) -> c.Panel:
    return c.stat(
        title,
        f"""
        SELECT $__time(date), {column} AS "{title}"
        FROM serving.active_users
        WHERE $__timeFilter(date)
        ORDER BY 1
        """,
        description=f"{title} on the last day of the range (trailing window, local dates). Source: serving.active_users.",
        unit="short",
    )


def dau_mau_stat(benchmarks: dict[str, c.Benchmark]) -> c.Panel:
    p = c.stat(
        "DAU/MAU",
        """
        SELECT $__time(date), dau_mau AS "DAU/MAU"
        FROM serving.active_users
        WHERE $__timeFilter(date) AND window_complete
        ORDER BY 1
        """,
        description="Stickiness on the last day of the range: DAU / trailing-30-day MAU. Days whose 30-day window starts before the first loaded date are left out.",
        unit="percentunit",
        defaults={"decimals": 1},
    )
    return c.with_bands(p, benchmarks["dau_mau"])


def active_users() -> c.Panel:
    return c.timeseries(
        "Active users (DAU / WAU / MAU)",
        """
        SELECT $__time(date), dau AS "DAU", wau AS "WAU", mau AS "MAU"
        FROM serving.active_users
        WHERE $__timeFilter(date)
        ORDER BY 1
        """,
        description="Distinct active users per local day, and in the trailing 7 and 30 days (WAU, MAU). Source: serving.active_users.",
        unit="short",
    )


def stickiness_ratios(benchmarks: dict[str, c.Benchmark]) -> c.Panel:
    p = c.timeseries(
        "Stickiness ratios",
        """
        SELECT $__time(date),
               CASE WHEN window_complete THEN dau_mau END AS "DAU/MAU",
               CASE WHEN window_complete THEN dau_wau END AS "DAU/WAU",
               CASE WHEN window_complete THEN wau_mau END AS "WAU/MAU"
        FROM serving.active_users
        WHERE $__timeFilter(date)
        ORDER BY 1
        """,
        description="DAU/MAU, DAU/WAU and WAU/MAU per day; empty while the 30-day window is not fully observed. The bands are for DAU/MAU.",
        unit="percentunit",
        defaults={"min": 0, "max": 1},
    )
    return c.with_bands(p, benchmarks["dau_mau"])


def acquisition_sum(title: str, expression: str, description: str, unit: str = "short") -> c.Panel:
    return c.timeseries(
        title,
        f"""
        SELECT $__timeGroupAlias(date, '1d'), {expression}
        FROM serving.acquisition_daily
        WHERE $__timeFilter(date) AND channel IN ($channel)
        GROUP BY 1
        ORDER BY 1
        """,
        description=f"{description} Channels: the Channel variable. Source: serving.acquisition_daily.",
        unit=unit,
        bars=True,
    )


def dashboard(benchmarks: dict[str, c.Benchmark]) -> dict:
    panels = [
        c.row("Active users"),
        active_user_stat("dau", "DAU"),
        active_user_stat("wau", "WAU"),
        active_user_stat("mau", "MAU"),
        dau_mau_stat(benchmarks),
        active_users(),
        stickiness_ratios(benchmarks),
        c.row("Signups, paid conversions and revenue"),
        acquisition_sum(
            "Signups",
            'sum(new_users) AS "new users", sum(signups) AS "signups"',
            "New users and signups per local day by first touch.",
        ),
        acquisition_sum(
            "Paid conversions",
            'sum(paid_users) AS "paid users"',
            "Users whose first payment fell on the day, by their first-touch channel.",
        ),
        acquisition_sum(
            "Revenue",
            'sum(revenue) AS "revenue"',
            "Revenue per local day from Subscription Started / Order Completed, in the events' currency (not converted).",
        ),
        shared.conversion_30d_stat(benchmarks, w=6, h=8),
        shared.conversion_30d_trend(benchmarks, w=6, h=8),
    ]
    return c.dashboard(
        UID,
        "Retainly · Overview",
        "How many people use us, and do they come back? Active users, stickiness, signups, paid conversions and revenue.",
        panels,
        [c.channel_variable()],
    )
