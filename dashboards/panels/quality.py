"""Data quality: freshness, the load log, quarantined lines and asset-check results."""

from __future__ import annotations

from dashboards import common as c

UID = "retainly-quality"


def days_since_last_activity() -> c.Panel:
    return c.stat(
        "Days since the last loaded date",
        """
        SELECT (now() AT TIME ZONE (SELECT timezone FROM serving.reporting_settings))::date
            - max(date) AS "days"
        FROM serving.active_users
        """,
        description="Today in the reporting time zone minus the latest local date with activity in the marts. Above 1 means the daily load is late.",
        w=6,
        unit="d",
        defaults={
            "color": {"mode": "thresholds"},
            "thresholds": {
                "mode": "absolute",
                "steps": [
                    {"color": "green", "value": None},
                    {"color": "orange", "value": 2},
                    {"color": "red", "value": 3},
                ],
            },
        },
    )


def last_load() -> c.Panel:
    return c.stat(
        "Last file loaded",
        """
        SELECT max(loaded_at) AS "last load"
        FROM serving.ops_load_log
        """,
        description="When the most recent landing file was ingested. Source: serving.ops_load_log.",
        w=6,
        unit="dateTimeFromNow",
    )


def failed_checks() -> c.Panel:
    return c.stat(
        "Failed asset checks",
        """
        SELECT count(*) FILTER (WHERE status IN ('FAILED', 'EXECUTION_FAILED')) AS failed, count(*) AS checks
        FROM serving.asset_checks
        """,
        description="Latest evaluation of every asset check in the Dagster instance that ran the serving asset. Source: serving.asset_checks.",
        w=6,
        defaults={
            "color": {"mode": "thresholds"},
            "thresholds": {
                "mode": "absolute",
                "steps": [{"color": "green", "value": None}, {"color": "red", "value": 1}],
            },
        },
    )


def quarantined_total() -> c.Panel:
    return c.stat(
        "Quarantined lines in range",
        """
        SELECT count(*) AS "quarantined"
        FROM serving.ops_quarantine
        WHERE $__timeFilter(quarantined_at)
        """,
        description="Input lines that could not become events in the range (they are kept, never dropped). Source: serving.ops_quarantine.",
        w=6,
    )


def freshness_by_source() -> c.Panel:
    return c.table(
        "Freshness by source",
        """
        SELECT source, max(partition_key) AS "latest partition", max(loaded_at) AS "last loaded",
               count(*) AS files, sum(lines_read) AS "lines read"
        FROM serving.ops_load_log
        GROUP BY source
        ORDER BY source
        """,
        description="Latest partition and load time per input source. Source: serving.ops_load_log.",
    )


def load_volume() -> c.Panel:
    return c.timeseries(
        "Lines loaded per day",
        """
        SELECT $__timeGroupAlias(loaded_at, '1d'),
               sum(lines_loaded) AS loaded, sum(duplicates) AS duplicates, sum(quarantined) AS quarantined
        FROM serving.ops_load_log
        WHERE $__timeFilter(loaded_at)
        GROUP BY 1
        ORDER BY 1
        """,
        description="For every file: loaded + duplicates + quarantined = lines read. Grouped by load day. Source: serving.ops_load_log.",
        unit="short",
        stack=True,
        bars=True,
    )


def load_log() -> c.Panel:
    return c.table(
        "Load log (latest 100 files)",
        """
        SELECT loaded_at, source, source_file, partition_key, lines_read, lines_loaded, duplicates, quarantined
        FROM serving.ops_load_log
        ORDER BY loaded_at DESC, source_file
        LIMIT 100
        """,
        description="One row per ingested file (the latest load of it). Source: serving.ops_load_log.",
        w=24,
    )


def quarantine_by_reason() -> c.Panel:
    return c.barchart(
        "Quarantine by reason",
        """
        SELECT reason, count(*) AS lines
        FROM serving.ops_quarantine
        WHERE $__timeFilter(quarantined_at)
        GROUP BY reason
        ORDER BY lines DESC
        """,
        description="Quarantined input lines in the range by reason (the raw lines are not published to PostgreSQL). Source: serving.ops_quarantine.",
        x_field="reason",
        unit="short",
        horizontal=True,
    )


def asset_checks() -> c.Panel:
    return c.table(
        "Asset checks",
        """
        SELECT asset_key, check_name, status, evaluated_at, run_id
        FROM serving.asset_checks
        ORDER BY (status IN ('FAILED', 'EXECUTION_FAILED')) DESC, asset_key, check_name
        """,
        description="Latest result of every asset check (contracts on the marts: unique keys, accepted values, identities). Source: serving.asset_checks.",
        overrides=[
            {
                "matcher": {"id": "byName", "options": "status"},
                "properties": [
                    {"id": "custom.cellOptions", "value": {"type": "color-background"}},
                    {
                        "id": "mappings",
                        "value": [
                            {
                                "type": "value",
                                "options": {
                                    "SUCCEEDED": {"color": "green", "index": 0},
                                    "FAILED": {"color": "red", "index": 1},
                                    "EXECUTION_FAILED": {"color": "red", "index": 2},
                                    "NOT_EVALUATED": {"color": "gray", "index": 3},
                                },
                            }
                        ],
                    },
                ],
            }
        ],
    )


def dashboard(benchmarks: dict[str, c.Benchmark]) -> dict:
    panels = [
        c.row("Freshness"),
        days_since_last_activity(),
        last_load(),
        failed_checks(),
        quarantined_total(),
        freshness_by_source(),
        asset_checks(),
        c.row("Loads and quarantine"),
        load_volume(),
        quarantine_by_reason(),
        load_log(),
    ]
    return c.dashboard(
        UID,
        "Retainly · Data quality",
        "Is the data fresh and complete?",
        panels,
        [],
        time_from="now-30d",
    )
