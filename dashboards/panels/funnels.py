"""Funnels and conversion: the ordered funnels from retainly.yaml and signup → paid."""

from __future__ import annotations

from dashboards import common as c
from dashboards.panels import shared

UID = "retainly-funnels"
FUNNEL_FILTER = "funnel_name = '$funnel' AND segment_type = '$segment_type' AND segment_value = '$segment_value'"


def funnel_steps() -> c.Panel:
    return c.barchart(
        "Funnel — $funnel",
        f"""
        SELECT step_number || '. ' || step_name AS step, users
        FROM serving.funnel
        WHERE {FUNNEL_FILTER}
        ORDER BY step_number
        """,
        description="Users reaching each step in order (each step strictly after the previous one, within the funnel window from the first step). Source: serving.funnel.",
        x_field="step",
        unit="short",
    )


def funnel_table() -> c.Panel:
    return c.table(
        "Step conversion",
        f"""
        SELECT step_number || '. ' || step_name AS step, users,
               conversion_from_start AS "from start", conversion_from_previous AS "from previous",
               median_seconds_from_previous AS "median time from previous"
        FROM serving.funnel
        WHERE {FUNNEL_FILTER}
        ORDER BY step_number
        """,
        description="Conversion from the first and from the previous step, and the median time between them. Source: serving.funnel.",
        overrides=[
            {
                "matcher": {"id": "byRegexp", "options": "from start|from previous"},
                "properties": [
                    {"id": "unit", "value": "percentunit"},
                    {"id": "decimals", "value": 1},
                ],
            },
            {
                "matcher": {"id": "byName", "options": "median time from previous"},
                "properties": [{"id": "unit", "value": "s"}],
            },
        ],
    )


def funnel_by_segment() -> c.Panel:
    return c.barchart(
        "Funnel completion by $segment_type",
        """
        SELECT segment_value, conversion_from_start AS "completed funnel"
        FROM serving.funnel f
        WHERE funnel_name = '$funnel' AND segment_type = '$segment_type'
          AND step_number = (SELECT max(step_number) FROM serving.funnel WHERE funnel_name = '$funnel')
        ORDER BY 2 DESC
        """,
        description="Share of users who started the funnel and reached its last step, per segment value. Source: serving.funnel.",
        x_field="segment_value",
        unit="percentunit",
        horizontal=True,
    )


def conversion_by_segment() -> c.Panel:
    return c.barchart(
        "Signup → paid by $conversion_segment",
        """
        SELECT segment_value,
               sum(paid_within_7d)::float / nullif(sum(signups) FILTER (WHERE paid_within_7d IS NOT NULL), 0) AS "within 7d",
               sum(paid_within_30d)::float / nullif(sum(signups) FILTER (WHERE paid_within_30d IS NOT NULL), 0) AS "within 30d"
        FROM serving.conversion
        WHERE cohort_grain = 'week' AND segment_type = '$conversion_segment' AND $__timeFilter(cohort_start)
        GROUP BY 1
        ORDER BY 3 DESC NULLS LAST
        """,
        description="Share of signups in the range who paid within 7 / 30 days, per segment; only cohorts whose window is observed count. Source: serving.conversion.",
        x_field="segment_value",
        unit="percentunit",
        w=24,
    )


def dashboard(benchmarks: dict[str, c.Benchmark]) -> dict:
    panels = [
        c.row("Funnels"),
        funnel_steps(),
        funnel_table(),
        funnel_by_segment(),
        c.row("Signup → paid"),
        shared.conversion_30d_stat(benchmarks, w=6, h=8),
        shared.conversion_30d_trend(benchmarks, w=18, h=8),
        conversion_by_segment(),
    ]
    variables = [
        c.query_variable(
            "funnel", "Funnel", "SELECT DISTINCT funnel_name FROM serving.funnel ORDER BY 1"
        ),
        c.custom_variable("segment_type", "Segment type", c.SEGMENT_TYPES),
        c.query_variable(
            "segment_value",
            "Segment value",
            "SELECT DISTINCT segment_value FROM serving.funnel WHERE segment_type = '$segment_type' ORDER BY 1",
        ),
        c.custom_variable(
            "conversion_segment", "Conversion segment", ["signup_method", "utm_source"]
        ),
    ]
    return c.dashboard(
        UID,
        "Retainly · Funnels and conversion",
        "Where do users drop, and who pays?",
        panels,
        variables,
    )
