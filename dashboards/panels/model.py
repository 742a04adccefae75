"""Model and audiences: who will stay active, how good the model is, what was exported."""

from __future__ import annotations

from dashboards import common as c

UID = "retainly-model"
LATEST_SCORES = "as_of = (SELECT max(as_of) FROM serving.activity_scores)"


def score_distribution() -> c.Panel:
    return c.histogram(
        "Score distribution (latest as_of)",
        f"""
        SELECT p_active
        FROM serving.activity_scores
        WHERE {LATEST_SCORES}
        """,
        description="Predicted probability of at least one active day in the model horizon, for every scored user of the latest snapshot. Source: serving.activity_scores.",
        bucket_size=0.05,
        unit="percentunit",
    )


def lift_by_decile() -> c.Panel:
    return c.barchart(
        "Lift by decile — $model_version",
        """
        SELECT decile::text AS decile, lift
        FROM serving.model_lift
        WHERE model_version = '$model_version'
        ORDER BY model_lift.decile
        """,
        description="Actual active rate of each score decile (1 = top 10%) divided by the overall rate, on the time-based validation snapshot. Source: serving.model_lift.",
        x_field="decile",
        unit="none",
    )


def calibration() -> c.Panel:
    return c.trend(
        "Calibration — $model_version",
        """
        SELECT p_mean AS predicted, actual_rate AS observed, p_mean AS "perfect calibration"
        FROM serving.model_calibration
        WHERE model_version = '$model_version'
        ORDER BY p_mean
        """,
        description="Mean predicted p_active vs the observed active share per 10% prediction bin; on the diagonal means well calibrated. Source: serving.model_calibration.",
        x_field="predicted",
        unit="percentunit",
        defaults={"min": 0, "max": 1},
        overrides=[
            {
                "matcher": {"id": "byName", "options": "perfect calibration"},
                "properties": [
                    {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                    {"id": "custom.showPoints", "value": "never"},
                ],
            }
        ],
    )


def predicted_activity_by_channel() -> c.Panel:
    return c.barchart(
        "Predicted activity by channel (latest as_of)",
        """
        SELECT segment_value AS channel, p_active_mean AS "mean p_active", p_active_mean_new AS "mean p_active, new users"
        FROM serving.activity_by_segment
        WHERE segment_type = 'channel'
        ORDER BY p_active_mean DESC
        """,
        description="Mean predicted probability of staying active per first-touch channel, for all scored users and for recently acquired ones (free of survivorship). Source: serving.activity_by_segment.",
        x_field="channel",
        unit="percentunit",
        horizontal=True,
    )


def audience_sizes() -> c.Panel:
    return c.barchart(
        "Audience sizes per destination (latest export)",
        """
        SELECT e.audience || ' → ' || e.destination AS export, e.rows
        FROM serving.audience_exports e
        WHERE e.as_of = (SELECT max(as_of) FROM serving.audience_exports x WHERE x.audience = e.audience)
        ORDER BY 1
        """,
        description="Rows written per audience and destination in the latest export; 0 rows with status skipped means the audience was below the destination's minimum. Source: serving.audience_exports.",
        x_field="export",
        unit="short",
        horizontal=True,
    )


def export_history() -> c.Panel:
    return c.table(
        "Export history",
        """
        SELECT as_of, audience, destination, rows, status, reason, created_at, sha256
        FROM serving.audience_exports
        WHERE $__timeFilter(as_of)
        ORDER BY as_of DESC, audience, destination
        LIMIT 200
        """,
        description="Every audience file written or skipped, with the reason and the file's SHA-256 from the manifest. Source: serving.audience_exports.",
        w=24,
    )


def audience_members_over_time() -> c.Panel:
    return c.timeseries(
        "Audience members over time",
        """
        SELECT $__time(as_of), audience AS metric, members
        FROM serving.audience_history
        WHERE $__timeFilter(as_of)
        ORDER BY 1, 2
        """,
        description="Members exported per audience and snapshot date. Source: serving.audience_history.",
        unit="short",
        custom={"showPoints": "always"},
    )


def dashboard(benchmarks: dict[str, c.Benchmark]) -> dict:
    panels = [
        c.row("Activity model"),
        score_distribution(),
        predicted_activity_by_channel(),
        lift_by_decile(),
        calibration(),
        c.row("Audiences"),
        audience_sizes(),
        audience_members_over_time(),
        export_history(),
    ]
    variables = [
        c.query_variable(
            "model_version",
            "Model version",
            "SELECT DISTINCT model_version FROM serving.model_lift ORDER BY 1 DESC",
        ),
    ]
    return c.dashboard(
        UID,
        "Retainly · Model and audiences",
        "Who will stay active, and who did we export?",
        panels,
        variables,
    )
