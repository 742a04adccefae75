import dagster as dg

from pipelines.defs.model.assets import (
    activity_by_segment,
    activity_model,
    activity_scores,
    model_evaluation,
    user_activity_events,
)

defs = dg.Definitions(
    assets=[
        activity_model,
        model_evaluation,
        user_activity_events,
        activity_scores,
        activity_by_segment,
    ]
)
