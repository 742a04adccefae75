"""Acquisition: where good users come from — channels, UTM campaigns, signup methods,
referrals, GA4 traffic and how GA4's counts reconcile with ours."""

from __future__ import annotations

from dashboards import common as c

UID = "retainly-acquisition"


def signups_by_channel() -> c.Panel:
    return c.timeseries(
        "Signups by channel",
        """
        SELECT $__timeGroupAlias(date, '1d'), channel AS metric, sum(signups) AS signups
        FROM serving.acquisition_daily
        WHERE $__timeFilter(date) AND channel IN ($channel)
        GROUP BY 1, 2
        ORDER BY 1, 2
        """,
        description="Signups per local day by first-touch channel (source/medium mapped by retainly.yaml). Source: serving.acquisition_daily.",
        unit="short",
        stack=True,
        bars=True,
    )


def channel_table() -> c.Panel:
    return c.table(
        "Channels",
        """
        SELECT channel,
               sum(new_users) AS "new users",
               sum(signups) AS signups,
               sum(paid_users) AS "paid users",
               sum(signups)::float / nullif(sum(new_users), 0) AS "signup rate",
               sum(paid_users)::float / nullif(sum(signups), 0) AS "paid per signup",
               sum(revenue) AS revenue
        FROM serving.acquisition_daily
        WHERE $__timeFilter(date) AND channel IN ($channel)
        GROUP BY channel
        ORDER BY signups DESC
        """,
        description="Totals over the range per first-touch channel. Source: serving.acquisition_daily.",
        overrides=[
            {
                "matcher": {"id": "byRegexp", "options": "signup rate|paid per signup"},
                "properties": [
                    {"id": "unit", "value": "percentunit"},
                    {"id": "decimals", "value": 1},
                ],
            },
        ],
    )


def campaign_table() -> c.Panel:
    return c.table(
        "UTM campaigns",
        """
        SELECT coalesce(utm_source, '(direct)') AS source,
               coalesce(utm_medium, '(none)') AS medium,
               coalesce(utm_campaign, '(none)') AS campaign,
               sum(new_users) AS "new users",
               sum(signups) AS signups,
               sum(paid_users) AS "paid users",
               sum(revenue) AS revenue
        FROM serving.acquisition_daily
        WHERE $__timeFilter(date) AND channel IN ($channel)
        GROUP BY 1, 2, 3
        ORDER BY signups DESC
        LIMIT 50
        """,
        description="The 50 source / medium / campaign combinations with the most signups in the range (first touch). Source: serving.acquisition_daily.",
        w=24,
    )


def signup_methods_over_time() -> c.Panel:
    return c.timeseries(
        "Signups by method",
        """
        SELECT $__timeGroupAlias(date, '1d'), signup_method AS metric, sum(signups) AS signups
        FROM serving.signup_methods_daily
        WHERE $__timeFilter(date)
        GROUP BY 1, 2
        ORDER BY 1, 2
        """,
        description="Signups per local day by Signed Up.method (kakao, google, instagram, apple, email). Source: serving.signup_methods_daily.",
        unit="short",
        stack=True,
        bars=True,
        w=16,
    )


def signup_method_share() -> c.Panel:
    return c.piechart(
        "Signup method share",
        """
        SELECT signup_method, sum(signups) AS signups
        FROM serving.signup_methods_daily
        WHERE $__timeFilter(date)
        GROUP BY 1
        ORDER BY 2 DESC
        """,
        description="Share of signups in the range by method. Source: serving.signup_methods_daily.",
        w=8,
    )


def top_referrers() -> c.Panel:
    return c.table(
        "Top referrers",
        """
        SELECT referrer_user_key AS referrer, referred_signups AS "referred signups", referred_paid AS "referred paid"
        FROM serving.referrals
        ORDER BY referred_signups DESC, referred_paid DESC
        LIMIT 20
        """,
        description="Users whose referral links (Signed Up.referrer_user_id) brought the most signups, all time. Source: serving.referrals.",
        w=8,
    )


def referral_totals() -> c.Panel:
    return c.stat(
        "Referred signups / paid (all time)",
        """
        SELECT sum(referred_signups) AS "referred signups", sum(referred_paid) AS "referred paid", count(*) AS referrers
        FROM serving.referrals
        """,
        description="All-time totals of the referral program. Source: serving.referrals.",
        w=4,
        h=8,
        unit="short",
    )


def ga4_traffic() -> c.Panel:
    return c.timeseries(
        "GA4 traffic",
        """
        SELECT $__timeGroupAlias(date, '1d'),
               sum(sessions) AS sessions, sum(active_users) AS "active users",
               sum(new_users) AS "new users", sum(key_events) AS "key events"
        FROM serving.ga4_traffic_daily
        WHERE $__timeFilter(date) AND channel IN ($channel)
        GROUP BY 1
        ORDER BY 1
        """,
        description="GA4 traffic per day for the selected channels: the Data API report where fetched, else computed from the BigQuery export. Per-day users are summed over source/medium/campaign rows, so they may double count users seen in several. Source: serving.ga4_traffic_daily.",
        unit="short",
    )


def ga4_sources() -> c.Panel:
    return c.table(
        "GA4 sources",
        """
        SELECT session_source AS source, session_medium AS medium, session_campaign_name AS campaign,
               sum(sessions) AS sessions, sum(new_users) AS "new users", sum(key_events) AS "key events",
               sum(total_revenue) AS revenue
        FROM serving.ga4_traffic_daily
        WHERE $__timeFilter(date) AND channel IN ($channel)
        GROUP BY 1, 2, 3
        ORDER BY sessions DESC
        LIMIT 50
        """,
        description="GA4 session source / medium / campaign totals over the range. Source: serving.ga4_traffic_daily.",
    )


def ga4_reconciliation() -> c.Panel:
    return c.timeseries(
        "GA4 reconciliation (ours / GA4)",
        """
        SELECT $__time(date), dau_ratio AS "DAU / GA4 active users", web_dau_ratio AS "web DAU / GA4 active users",
               new_users_ratio AS "new users / GA4 new users"
        FROM serving.ga4_reconciliation
        WHERE $__timeFilter(date)
        ORDER BY 1
        """,
        description=(
            "Our counts divided by GA4's for the same local day (web DAU: our web events only, what a GA4 web stream sees). "
            "Near 1.0 means both tools see the same people; above 1 is usual (ad blockers, declined consent); "
            "a drift flags tracking gaps, consent mode or bot filtering differences. Source: serving.ga4_reconciliation."
        ),
        unit="percentunit",
        defaults={
            "thresholds": {
                "mode": "absolute",
                "steps": [
                    {"color": "red", "value": None},
                    {"color": "green", "value": 0.9},
                    {"color": "red", "value": 1.1},
                ],
            }
        },
        custom={"thresholdsStyle": {"mode": "dashed+area"}},
        w=24,
    )


def dashboard(benchmarks: dict[str, c.Benchmark]) -> dict:
    panels = [
        c.row("Channels and campaigns"),
        signups_by_channel(),
        channel_table(),
        campaign_table(),
        c.row("Signup methods and referrals"),
        signup_methods_over_time(),
        signup_method_share(),
        top_referrers(),
        referral_totals(),
        c.row("GA4"),
        ga4_traffic(),
        ga4_sources(),
        ga4_reconciliation(),
    ]
    return c.dashboard(
        UID,
        "Retainly · Acquisition",
        "Where do good users come from? Channels, campaigns, signup methods, referrals, GA4.",
        panels,
        [c.channel_variable()],
    )
