"""Panels that appear on more than one dashboard."""

from __future__ import annotations

from dashboards import common as c


def conversion_30d_stat(benchmarks: dict[str, c.Benchmark], w: int = 6, h: int = 4) -> c.Panel:
    p = c.stat(
        "Signup → paid within 30 days",
        """
        SELECT sum(paid_within_30d)::float / nullif(sum(signups), 0) AS "signup → paid (30d)"
        FROM serving.conversion
        WHERE cohort_grain = 'day' AND segment_type = 'all'
          AND conversion_rate_30d IS NOT NULL AND $__timeFilter(cohort_start)
        """,
        description="Share of users who signed up on a day in the range and paid within 30 days; only signup days whose 30 days are fully observed. Source: serving.conversion.",
        w=w,
        h=h,
        unit="percentunit",
        defaults={"decimals": 1},
    )
    return c.with_bands(p, benchmarks["signup_to_paid_30d"])


def conversion_30d_trend(benchmarks: dict[str, c.Benchmark], w: int = 12, h: int = 8) -> c.Panel:
    p = c.timeseries(
        "Signup → paid within 30 days, by weekly signup cohort",
        """
        SELECT $__time(cohort_start), conversion_rate_30d AS "paid within 30d"
        FROM serving.conversion
        WHERE cohort_grain = 'week' AND segment_type = 'all' AND $__timeFilter(cohort_start)
        ORDER BY 1
        """,
        description="Per weekly signup cohort: paid within 30 days / signups; empty until the cohort's 30 days are observed. Source: serving.conversion.",
        w=w,
        h=h,
        unit="percentunit",
        custom={"showPoints": "always"},
    )
    return c.with_bands(p, benchmarks["signup_to_paid_30d"])
