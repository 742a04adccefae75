"""Metrics marts (active users, retention, stickiness, lifecycle, conversion, funnels).

Plain functions over a DuckDB connection; the SQL in ``sql/metrics/`` is the single
source of each definition (see ``docs/metrics.md``). No Dagster imports here.
"""
