"""Serving: the marts published to PostgreSQL for Grafana (no Dagster imports here).

- ``embedded`` — a PostgreSQL server under ``$RETAINLY_HOME/pg/`` when no server is configured.
- ``target`` — which server to publish to (``RETAINLY_SERVING_URL`` or the embedded one).
- ``publish`` — DuckDB tables → ``serving.<table>`` with COPY, one atomic swap per table.
"""
