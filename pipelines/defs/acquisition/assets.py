import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.acquisition import contracts
from pipelines.acquisition.build import (
    build_acquisition_daily,
    build_channel_map,
    build_referrals,
    build_signup_methods_daily,
)
from pipelines.config import load_definitions
from pipelines.defs.checks import no_offending_rows, none_counted
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.settings import load_settings
from pipelines.warehouse import table_preview

GROUP = "acquisition"


@dg.asset(key=["core", "channel_map"], group_name=GROUP, pool=DUCKDB_POOL, kinds={"duckdb"})
def channel_map(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per channel rule, in order, from `channels:` in retainly.yaml (first match wins)."""
    definitions = load_definitions(home=load_settings().home)
    with open_warehouse(duckdb) as conn:
        counts = build_channel_map(conn, definitions)
        preview = table_preview(conn, "core.channel_map", limit=50)
    return dg.MaterializeResult(
        metadata={
            **counts,
            "definitions": str(definitions.source_path),
            "rules": dg.MetadataValue.md(preview),
        }
    )


@dg.asset(
    key=["marts", "acquisition_daily"],
    deps=[["core", "users"], ["core", "events"], ["core", "channel_map"]],
    group_name=GROUP,
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            "key_unique_not_null", asset=["marts", "acquisition_daily"], blocking=True
        ),
        dg.AssetCheckSpec(
            "new_users_sum_to_users",
            asset=["marts", "acquisition_daily"],
            blocking=True,
            description="Summed over channels, new users equal the users first seen (core.users).",
        ),
        dg.AssetCheckSpec(
            "channel_matches_python_twin",
            asset=["marts", "acquisition_daily"],
            description="core.channel_map (SQL) and Definitions.channel_for agree on every first-touch pair.",
        ),
    ],
)
def acquisition_daily(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per (date, first-touch channel, source, medium, campaign): new users, signups, paid users, revenue."""
    settings = load_settings()
    definitions = load_definitions(home=settings.home)
    with open_warehouse(duckdb) as conn:
        counts = build_acquisition_daily(conn, settings)
        duplicates = contracts.duplicate_or_null_keys(
            conn,
            "marts.acquisition_daily",
            ["date", "channel", "utm_source", "utm_medium", "utm_campaign"],
        )
        gap = contracts.acquisition_new_users_gap(conn)
        mismatches = contracts.channel_twin_mismatches(conn, definitions)
        by_channel = conn.execute(
            "SELECT channel, sum(new_users), sum(signups), sum(paid_users), round(sum(revenue), 2) "
            "FROM marts.acquisition_daily GROUP BY 1 ORDER BY 2 DESC"
        ).df()
    return dg.MaterializeResult(
        metadata={**counts, "by_channel": dg.MetadataValue.md(by_channel.to_markdown(index=False))},
        check_results=[
            no_offending_rows("key_unique_not_null", duplicates),
            none_counted("new_users_sum_to_users", gap=gap),
            no_offending_rows("channel_matches_python_twin", mismatches),
        ],
    )


@dg.asset(
    key=["marts", "referrals"],
    deps=[["core", "users"]],
    group_name=GROUP,
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec("key_unique_not_null", asset=["marts", "referrals"], blocking=True),
        dg.AssetCheckSpec("paid_within_signups", asset=["marts", "referrals"]),
    ],
)
def referrals(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per referrer: referred signups, referred paid users and their revenue."""
    with open_warehouse(duckdb) as conn:
        counts = build_referrals(conn)
        duplicates = contracts.duplicate_or_null_keys(
            conn, "marts.referrals", ["referrer_user_key"]
        )
        violations = contracts.referral_violations(conn)
        preview = table_preview(conn, "marts.referrals")
    return dg.MaterializeResult(
        metadata={**counts, "preview": dg.MetadataValue.md(preview)},
        check_results=[
            no_offending_rows("key_unique_not_null", duplicates),
            no_offending_rows("paid_within_signups", violations),
        ],
    )


@dg.asset(
    key=["marts", "signup_methods_daily"],
    deps=[["core", "users"]],
    group_name=GROUP,
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            "key_unique_not_null", asset=["marts", "signup_methods_daily"], blocking=True
        ),
        dg.AssetCheckSpec("shares_sum_to_one", asset=["marts", "signup_methods_daily"]),
    ],
)
def signup_methods_daily(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per (signup date, signup method): signups, share of the day, paid users."""
    with open_warehouse(duckdb) as conn:
        counts = build_signup_methods_daily(conn)
        duplicates = contracts.duplicate_or_null_keys(
            conn, "marts.signup_methods_daily", ["date", "signup_method"]
        )
        bad_shares = contracts.signup_share_errors(conn)
        mix = conn.execute(
            "SELECT signup_method, sum(signups) AS signups, sum(paid_users) AS paid_users "
            "FROM marts.signup_methods_daily GROUP BY 1 ORDER BY 2 DESC"
        ).df()
    return dg.MaterializeResult(
        metadata={**counts, "mix": dg.MetadataValue.md(mix.to_markdown(index=False))},
        check_results=[
            no_offending_rows("key_unique_not_null", duplicates),
            no_offending_rows("shares_sum_to_one", bad_shares),
        ],
    )
