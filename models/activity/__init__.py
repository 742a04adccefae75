"""The activity model: who will stay active over the next ``horizon_days`` days.

``features`` and ``labels`` build point-in-time rows per (user_key, as_of) in DuckDB,
``train`` fits LightGBM and the baselines on past snapshots, ``evaluate`` scores them on
the latest fully observed snapshot, ``registry`` stores versions on disk and ``score``
writes ``marts.activity_scores``. No Dagster imports: the assets in
``pipelines/defs/model`` are thin wrappers.
"""
