"""The worked example of docs/metrics.md: four users over one week (Mon 2024-03-04 …
Sun 2024-03-10, Asia/Seoul). The expected tables are parsed from the docs page itself,
so the page and the marts cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.metrics.build import build_all
from tests.conftest import page, track

DOC = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"

# Timestamps are Seoul local time (+09:00); the comment is the local date.
WORKED_EXAMPLE = {
    "2024-03-04": [
        page(
            "2024-03-04T09:00:00+09:00",
            anonymous_id="a-ana",
            url="https://app.example/?utm_source=naver",
        ),
        track(
            "Signed Up",
            "2024-03-04T09:05:00+09:00",
            user_id="ana",
            anonymous_id="a-ana",
            method="kakao",
        ),
        page("2024-03-04T23:59:59+09:00", anonymous_id="ben"),  # Mon 4, only day ben is active
    ],
    "2024-03-05": [track("Summary Created", "2024-03-05T21:00:00+09:00", user_id="ana")],
    "2024-03-06": [
        page(
            "2024-03-06T08:00:00+09:00",
            anonymous_id="a-cho",
            url="https://app.example/?utm_source=instagram",
        ),
        track(
            "Signed Up",
            "2024-03-06T08:10:00+09:00",
            user_id="cho",
            anonymous_id="a-cho",
            method="google",
        ),
    ],
    "2024-03-07": [
        track("Summary Created", "2024-03-07T12:00:00+09:00", user_id="cho"),
        track("Subscription Started", "2024-03-07T12:30:00+09:00", user_id="cho", plan="pro"),
    ],
    "2024-03-08": [page("2024-03-08T23:30:00+09:00", anonymous_id="a-dan")],  # Fri 8 local
    "2024-03-09": [
        {
            "type": "identify",
            "userId": "ana",
            "messageId": "id-ana",
            "timestamp": "2024-03-09T10:00:00+09:00",
        }
    ],
    "2024-03-10": [
        # 2024-03-09 15:15 UTC, but Sun 10 in Seoul: dan is active on the 10th, not the 9th.
        track(
            "Signed Up",
            "2024-03-10T00:15:00+09:00",
            user_id="dan",
            anonymous_id="a-dan",
            method="kakao",
        ),
        page("2024-03-10T10:00:00+09:00", user_id="ana"),
    ],
}

# A cohort triangle straight from marts.retention: one row per daily first-seen cohort.
TRIANGLE = """
    SELECT cohort_start, any_value(cohort_size) AS cohort_size,
           {columns}
    FROM marts.retention
    WHERE cohort_event = 'first_seen' AND cohort_grain = 'day' AND method = '{{method}}' AND segment_type = 'all'
    GROUP BY cohort_start ORDER BY cohort_start""".format(
    columns=", ".join(
        f"any_value(retained_users) FILTER (WHERE period_offset = {k}) AS day_{k}" for k in range(8)
    )
)

QUERIES = {
    "active_users": "SELECT date, dau, wau, mau, round(dau_mau, 2) AS dau_mau, window_complete FROM marts.active_users ORDER BY date",
    "retention_n_day": TRIANGLE.format(method="n_day"),
    "retention_rolling": TRIANGLE.format(method="rolling"),
    "retention_range": """
        SELECT cohort_start, period_offset, period_label, cohort_size, retained_users
        FROM marts.retention
        WHERE cohort_event = 'first_seen' AND cohort_grain = 'day' AND method = 'range'
          AND segment_type = 'all' AND period_offset <= 2
        ORDER BY cohort_start, period_offset""",
    "stickiness": "SELECT period_grain, period_start, active_days, users, period_complete FROM marts.stickiness ORDER BY ALL",
    "lifecycle": """
        SELECT period_start, status, users FROM marts.lifecycle
        WHERE period_grain = 'day' AND users <> 0 ORDER BY period_start, status""",
    "conversion": """
        SELECT cohort_start, segment_type, segment_value, signups, paid_within_7d, paid_ever
        FROM marts.conversion WHERE cohort_grain = 'day' ORDER BY ALL""",
    "funnel": """
        SELECT step_number, step_name, users, round(conversion_from_start, 2) AS conversion_from_start,
               round(conversion_from_previous, 2) AS conversion_from_previous, median_seconds_from_previous
        FROM marts.funnel WHERE segment_type = 'all' ORDER BY step_number""",
}


def doc_table(name: str) -> list[list[str]]:
    """The Markdown table following ``<!-- example: name -->`` in docs/metrics.md."""
    text = DOC.read_text()
    match = re.search(rf"<!-- example: {name} -->\n((?:\|.*\n)+)", text)
    assert match, f"no table marked 'example: {name}' in {DOC}"
    lines = match.group(1).strip().splitlines()
    return [
        [cell.strip() for cell in line.strip("|").split("|")] for line in [lines[0], *lines[2:]]
    ]


def render(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def test_worked_example_matches_docs(load_events, settings, definitions):
    conn = load_events(WORKED_EXAMPLE)
    build_all(conn, settings, definitions)
    for name, query in QUERIES.items():
        cursor = conn.execute(query)
        header = [d[0] for d in cursor.description]
        actual = [header, *[[render(v) for v in row] for row in cursor.fetchall()]]
        assert actual == doc_table(name), name
