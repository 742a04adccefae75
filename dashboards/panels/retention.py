"""Retention: cohort triangles per method, curves by channel and signup method, the D1/D7/D30
numbers against benchmarks, stickiness and lifecycle."""

from __future__ import annotations

from dashboards import common as c

UID = "retainly-retention"
TRIANGLE_OFFSETS = range(13)  # 0..12: every grain keeps at least offsets 0–12
METHODS = {
    "n_day": "classic (n-day)",
    "rolling": "rolling (on or after)",
    "range": "range (brackets)",
}
COHORT_FILTER = """cohort_event = '$cohort_event' AND cohort_grain = '$cohort_grain'
          AND segment_type = '$segment_type' AND segment_value = '$segment_value'"""


def _pivot(column: str) -> str:
    return ",\n               ".join(
        f'max({column}) FILTER (WHERE period_offset = {k}) AS "{k}"' for k in TRIANGLE_OFFSETS
    )


def cohort_heatmap(method: str) -> c.Panel:
    return c.heatmap(
        f"Cohort triangle — {METHODS[method]}",
        f"""
        SELECT $__time(cohort_start),
               {_pivot("retention_rate")}
        FROM serving.retention
        WHERE method = '{method}' AND {COHORT_FILTER}
          AND $__timeFilter(cohort_start)
        GROUP BY 1
        ORDER BY 1
        """,
        description=(
            f"Retention rate per cohort (x) and period offset (y, 0 = the cohort's own period), method {method}. "
            "Cells not yet fully observed are empty, never 0. For the range method the offset is the bracket index "
            "(0, 1, 2–7, 8–14, 15–30, 31–60, 61–90 days). Source: serving.retention."
        ),
        w=8,
        h=10,
    )


def cohort_table() -> c.Panel:
    return c.table(
        "Cohort table — $method",
        f"""
        SELECT cohort_start AS "cohort", max(cohort_size) AS "users",
               {_pivot("retention_rate")}
        FROM serving.retention
        WHERE method = '$method' AND {COHORT_FILTER}
          AND $__timeFilter(cohort_start)
        GROUP BY 1
        ORDER BY 1 DESC
        """,
        description="The cohort triangle as numbers for the selected method: cohort size and retention rate per period offset. Source: serving.retention.",
        w=24,
        h=10,
        unit="percentunit",
        defaults={"decimals": 1, "color": {"mode": "continuous-BlYlRd"}, "min": 0, "max": 1},
        custom={"cellOptions": {"type": "color-background", "mode": "gradient"}, "align": "auto"},
        overrides=[
            {
                "matcher": {"id": "byName", "options": "users"},
                "properties": [
                    {"id": "unit", "value": "short"},
                    {"id": "custom.cellOptions", "value": {"type": "auto"}},
                ],
            },
            {
                "matcher": {"id": "byName", "options": "cohort"},
                "properties": [{"id": "custom.cellOptions", "value": {"type": "auto"}}],
            },
        ],
    )


def retention_curve(segment_type: str, title: str) -> c.Panel:
    return c.trend(
        title,
        f"""
        SELECT period_offset, segment_value,
               sum(retained_users)::float
                 / nullif(sum(cohort_size) FILTER (WHERE retained_users IS NOT NULL), 0) AS retention
        FROM serving.retention
        WHERE method = '$method' AND cohort_event = '$cohort_event' AND cohort_grain = '$cohort_grain'
          AND segment_type = '{segment_type}' AND $__timeFilter(cohort_start)
          AND period_offset <= CASE WHEN '$cohort_grain' = 'day' THEN 30 ELSE 12 END
        GROUP BY 1, 2
        ORDER BY 2, 1
        """,
        description=(
            f"Retention by period offset for cohorts starting in the range, one line per {segment_type}: retained / cohort size "
            "over the cohorts whose cell is observed (user-weighted). Source: serving.retention."
        ),
        x_field="period_offset",
        unit="percentunit",
        defaults={"min": 0, "max": 1},
        transformations=[
            {
                "id": "partitionByValues",
                "options": {"fields": ["segment_value"], "keepFields": False},
            }
        ],
    )


def day_n_retention(day: int, benchmarks: dict[str, c.Benchmark]) -> c.Panel:
    p = c.stat(
        f"Day-{day} retention",
        f"""
        SELECT sum(retained_users)::float / nullif(sum(cohort_size), 0) AS "day-{day} retention"
        FROM serving.retention
        WHERE method = 'n_day' AND cohort_grain = 'day' AND cohort_event = '$cohort_event'
          AND segment_type = 'all' AND period_offset = {day}
          AND retained_users IS NOT NULL AND $__timeFilter(cohort_start)
        """,
        description=(
            f"Classic day-{day} retention of the daily cohorts starting in the range (all users, user-weighted), "
            "comparable to the install-cohort benchmarks of mobile analytics vendors. Source: serving.retention."
        ),
        w=8,
        h=5,
        unit="percentunit",
        defaults={"decimals": 1},
    )
    return c.with_bands(p, benchmarks[f"day{day}_retention"])


def stickiness_histogram() -> c.Panel:
    return c.barchart(
        "Stickiness — active days per $period_grain",
        """
        SELECT active_days::text AS "active days", sum(users) AS users
        FROM serving.stickiness
        WHERE period_grain = '$period_grain' AND period_complete AND $__timeFilter(period_start)
        GROUP BY active_days
        ORDER BY active_days
        """,
        description="Users by number of distinct active days within each complete calendar week / month of the range (summed over periods). Source: serving.stickiness.",
        x_field="active days",
        unit="short",
    )


def lifecycle_bars() -> c.Panel:
    return c.timeseries(
        "Lifecycle — new, returning, resurrecting, dormant per $period_grain",
        """
        SELECT $__time(period_start), status AS metric, users
        FROM serving.lifecycle
        WHERE period_grain = '$period_grain' AND $__timeFilter(period_start)
        ORDER BY 1, 2
        """,
        description="Active users per calendar period by status; dormant (active last period, not this one) is drawn below zero. The last period may be partial. Source: serving.lifecycle.",
        unit="short",
        stack=True,
        bars=True,
        overrides=[
            {
                "matcher": {"id": "byName", "options": name},
                "properties": [{"id": "color", "value": {"fixedColor": color, "mode": "fixed"}}],
            }
            for name, color in (
                ("new", "green"),
                ("returning", "blue"),
                ("resurrecting", "orange"),
                ("dormant", "red"),
            )
        ],
    )


def dashboard(benchmarks: dict[str, c.Benchmark]) -> dict:
    panels = [
        c.row("Is our retention good?"),
        *(day_n_retention(day, benchmarks) for day in (1, 7, 30)),
        c.row("Cohort triangles"),
        *(cohort_heatmap(method) for method in METHODS),
        cohort_table(),
        c.row("Retention curves"),
        retention_curve("utm_source", "Retention curve by channel (first-touch UTM source)"),
        retention_curve("signup_method", "Retention curve by signup method"),
        c.row("Stickiness and lifecycle"),
        stickiness_histogram(),
        lifecycle_bars(),
    ]
    variables = [
        c.custom_variable("cohort_event", "Cohort event", ["first_seen", "signup"]),
        c.cohort_grain_variable("week"),
        c.method_variable(),
        *c.segment_variables("retention"),
        c.custom_variable("period_grain", "Stickiness / lifecycle grain", ["week", "month"]),
    ]
    return c.dashboard(
        UID,
        "Retainly · Retention",
        "Do they come back? Cohorts, curves, stickiness and lifecycle.",
        panels,
        variables,
        time_from="now-180d",
    )
