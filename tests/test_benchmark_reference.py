"""The metrics benchmark's pandas reference computes the same tables as the marts.

The benchmark's speed-up against pandas means something only if both sides compute the same
thing: on a small synthetic warehouse (the benchmark's own generator), every pandas result
must equal its mart row for row, and a single changed mart cell must be caught.
"""

from __future__ import annotations

import duckdb

from benchmarks import bench_metrics
from pipelines.settings import Settings


def test_pandas_reference_equals_marts(settings: Settings) -> None:
    home = str(settings.home)
    bench_metrics.synthesize(home, events=30_000, days=120)
    bench_metrics.marts(home, repeat=1)

    reference = bench_metrics.pandas_reference(home, repeat=1)

    assert reference["differing_rows"] == {
        "active_users": 0,
        "retention": 0,
        "stickiness": 0,
        "lifecycle": 0,
        "conversion": 0,
        "funnel": 0,
    }
    # Not vacuous: every mart has rows (the comparison is an outer join on the mart's keys).
    assert min(reference["rows"].values()) >= 64
    assert reference["rows"]["retention"] > 10_000

    conn = duckdb.connect(str(settings.warehouse_path))
    conn.execute(
        """
        UPDATE marts.retention SET retained_users = retained_users + 1
        WHERE rowid = (SELECT min(rowid) FROM marts.retention
                       WHERE method = 'n_day' AND period_offset = 3 AND retained_users IS NOT NULL)
        """
    )
    conn.execute(
        "UPDATE marts.lifecycle SET users = users - 1 WHERE rowid = (SELECT min(rowid) FROM marts.lifecycle WHERE status = 'dormant')"
    )
    conn.execute(
        "UPDATE marts.funnel SET median_seconds_from_previous = median_seconds_from_previous + 1 "
        "WHERE step_number = 3 AND segment_type = 'all'"
    )
    conn.close()
    changed = bench_metrics.pandas_reference(home, repeat=1)["differing_rows"]
    assert changed == {**reference["differing_rows"], "retention": 1, "lifecycle": 1, "funnel": 1}
