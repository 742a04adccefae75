-- model_feature_base — grain: one row per (as_of, user_key) of model_population: what
-- features.sql derives the features from, every input cut at the end of the local day
-- as_of (event_date <= as_of). Windows "Nd" are the N days ending at as_of inclusive;
-- "prev_7d" / "prev_28d" are the 7 / 28 days before the last 7 / 28. Every snapshot of the
-- population is computed in one pass; keyed by model_population.rid (an integer). A view:
-- features.sql computes it in the same query (training's snapshots, ~1M rows, are not
-- written out). feature_base_latest.sql defines the same view for the last loaded date
-- from the core tables instead (scoring's fast path).
CREATE OR REPLACE TEMP VIEW model_feature_base AS
WITH activity AS (
    SELECT
        p.rid,
        max(d.event_date) AS last_active_date,
        -- the two latest active days: the last gap between visits
        max(d.event_date, 2)[2] AS previous_active_date,
        count(*) AS active_days_lifetime,
        count(*) FILTER (WHERE d.event_date = p.as_of) AS active_days_1d,
        count(*) FILTER (WHERE d.event_date > p.as_of - 7) AS active_days_7d,
        count(*) FILTER (WHERE d.event_date > p.as_of - 14 AND d.event_date <= p.as_of - 7) AS active_days_prev_7d,
        count(*) FILTER (WHERE d.event_date > p.as_of - 14) AS active_days_14d,
        count(*) FILTER (WHERE d.event_date > p.as_of - 28) AS active_days_28d,
        count(*) FILTER (WHERE d.event_date > p.as_of - 90) AS active_days_90d,
        count(*) FILTER (WHERE d.event_date > p.as_of - 56 AND d.event_date <= p.as_of - 28) AS active_days_prev_28d,
        count(*) FILTER (WHERE d.event_date > p.as_of - 21 AND d.event_date <= p.as_of - 14) AS active_days_week_3,
        count(*) FILTER (WHERE d.event_date > p.as_of - 28 AND d.event_date <= p.as_of - 21) AS active_days_week_4,
        sum(d.count_active_events) AS count_events_lifetime,
        sum(d.count_active_events) FILTER (WHERE d.event_date = p.as_of) AS count_events_1d,
        sum(d.count_active_events) FILTER (WHERE d.event_date > p.as_of - 7) AS count_events_7d,
        sum(d.count_active_events) FILTER (WHERE d.event_date > p.as_of - 28) AS count_events_28d,
        sum(d.count_active_events) FILTER (WHERE d.event_date > p.as_of - 90) AS count_events_90d
    FROM model_population AS p
    JOIN model_user_days AS d ON d.user_key = p.user_key AND d.event_date <= p.as_of
    GROUP BY p.rid
),

plans AS (
    SELECT p.rid, arg_max(e.plan, e.event_ts) AS plan
    FROM model_population AS p
    JOIN model_plan_events AS e ON e.user_key = p.user_key AND e.event_date <= p.as_of
    GROUP BY p.rid
)

SELECT
    p.rid,
    p.as_of,
    p.user_key,
    a.* EXCLUDE (rid),
    p.first_seen_date,
    p.first_utm_source,
    p.first_utm_medium,
    CASE WHEN p.platform_known_date <= p.as_of THEN p.platform END AS platform,
    CASE WHEN p.signup_date <= p.as_of THEN p.signup_date END AS signup_date,
    CASE WHEN p.signup_date <= p.as_of THEN p.signup_method END AS signup_method,
    CASE WHEN p.signup_date <= p.as_of THEN p.referrer_user_key END AS referrer_user_key,
    CASE WHEN p.first_paid_date <= p.as_of THEN p.first_paid_date END AS first_paid_date,
    pl.plan
FROM model_population AS p
JOIN activity AS a USING (rid)
LEFT JOIN plans AS pl USING (rid);
