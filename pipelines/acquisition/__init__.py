"""Acquisition: channel mapping (core.channel_map) and the acquisition, referral and
signup-method marts. Plain functions over a DuckDB connection; no Dagster imports."""
