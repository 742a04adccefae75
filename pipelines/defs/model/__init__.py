import dagster as dg

from pipelines.defs.model.assets import (
    activity_by_segment,
    activity_model,
    activity_scores,
    model_evaluation,
)

defs = dg.Definitions(
    assets=[activity_model, model_evaluation, activity_scores, activity_by_segment]
)
