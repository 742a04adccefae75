-- model_feature_base at the last loaded date ($as_of) — grain: one row per user in
-- core.user_activity_events (every user active on or before as_of), rid = its rowid. The same
-- columns as feature_base.sql builds for a snapshot at as_of, read from the core tables the
-- pipeline keeps anyway instead of from core.events: core.user_activity_events's dates and
-- activity-event counts per date, and core.users' "first X" facts, which at the last loaded
-- date are exactly the point-in-time ones (same definitions: docs/model.md). Only valid
-- when both tables were built from the current core.events and nothing is dated after
-- as_of; models.activity.features.latest_inputs_problem checks that before this runs.
-- tests/test_model_fast_scoring.py asserts both paths give identical features.
-- A view like feature_base.sql's (features.sql computes it in its own query, which is
-- faster than writing it out first); a view takes no parameters, so as_of is a variable.
SET VARIABLE model_as_of = $as_of::DATE;

CREATE OR REPLACE TEMP VIEW model_feature_base AS
WITH recent AS (
    SELECT
        rid,
        count(*) FILTER (WHERE days_ago = 0) AS active_days_1d,
        count(*) FILTER (WHERE days_ago < 7) AS active_days_7d,
        count(*) FILTER (WHERE days_ago >= 7 AND days_ago < 14) AS active_days_prev_7d,
        count(*) FILTER (WHERE days_ago < 14) AS active_days_14d,
        count(*) FILTER (WHERE days_ago < 28) AS active_days_28d,
        count(*) AS active_days_90d,
        count(*) FILTER (WHERE days_ago >= 28 AND days_ago < 56) AS active_days_prev_28d,
        count(*) FILTER (WHERE days_ago >= 14 AND days_ago < 21) AS active_days_week_3,
        count(*) FILTER (WHERE days_ago >= 21 AND days_ago < 28) AS active_days_week_4,
        sum(events) FILTER (WHERE days_ago = 0) AS count_events_1d,
        sum(events) FILTER (WHERE days_ago < 7) AS count_events_7d,
        sum(events) FILTER (WHERE days_ago < 28) AS count_events_28d,
        sum(events) AS count_events_90d
    FROM (
        SELECT
            rowid::INTEGER AS rid,  -- a 4-byte group key aggregates faster
            (getvariable('model_as_of') - unnest(dates))::INTEGER AS days_ago,
            unnest(event_counts) AS events
        FROM core.user_activity_events
    )
    WHERE days_ago < 90
    GROUP BY rid
)

SELECT
    a.rowid::INTEGER AS rid,
    getvariable('model_as_of') AS as_of,
    a.user_key,
    a.dates[-1] AS last_active_date,
    a.dates[-2] AS previous_active_date,
    len(a.dates) AS active_days_lifetime,
    coalesce(r.active_days_1d, 0) AS active_days_1d,
    coalesce(r.active_days_7d, 0) AS active_days_7d,
    coalesce(r.active_days_prev_7d, 0) AS active_days_prev_7d,
    coalesce(r.active_days_14d, 0) AS active_days_14d,
    coalesce(r.active_days_28d, 0) AS active_days_28d,
    coalesce(r.active_days_90d, 0) AS active_days_90d,
    coalesce(r.active_days_prev_28d, 0) AS active_days_prev_28d,
    coalesce(r.active_days_week_3, 0) AS active_days_week_3,
    coalesce(r.active_days_week_4, 0) AS active_days_week_4,
    list_sum(a.event_counts) AS count_events_lifetime,
    r.count_events_1d,
    r.count_events_7d,
    r.count_events_28d,
    r.count_events_90d,
    a.dates[1] AS first_seen_date,
    u.first_utm_source,
    u.first_utm_medium,
    nullif(u.platform, 'unknown') AS platform,
    u.signup_date,
    u.signup_method,
    u.referrer_user_key,
    u.first_paid_date,
    u.plan
FROM core.user_activity_events AS a
LEFT JOIN recent AS r ON r.rid = a.rowid::INTEGER
LEFT JOIN core.users AS u ON u.user_key = a.user_key;
