import dagster as dg

from pipelines.defs.acquisition.assets import (
    acquisition_daily,
    channel_map,
    referrals,
    signup_methods_daily,
)

defs = dg.Definitions(assets=[channel_map, acquisition_daily, referrals, signup_methods_daily])
