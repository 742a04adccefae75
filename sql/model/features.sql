-- Point-in-time activity features — grain: one row per (as_of, user_key) of
-- model_population. Every input is cut at the end of the local day as_of (event_date
-- <= as_of), so adding later events changes no feature. Units are local days and
-- activity events (core.events.is_active). Windows "Nd" are the N days ending at as_of
-- inclusive; "prev_7d" / "prev_28d" are the 7 / 28 days before the last 7 / 28. The 7- and
-- 28-day counts of the top events come from features_top_events.sql (scattered into
-- columns by models.activity.features). Every snapshot of the population is computed in
-- one pass. Aggregates are keyed by model_population.rid (an integer), and rows come out
-- in rid order = (as_of, user_key) order.
WITH activity AS (
    SELECT
        p.rid,
        max(d.event_date) AS last_active_date,
        -- the two latest active days: the last gap between visits
        max(d.event_date, 2) AS last_two_active_dates,
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
        coalesce(sum(d.count_active_events) FILTER (WHERE d.event_date = p.as_of), 0) AS count_events_1d,
        coalesce(sum(d.count_active_events) FILTER (WHERE d.event_date > p.as_of - 7), 0) AS count_events_7d,
        coalesce(sum(d.count_active_events) FILTER (WHERE d.event_date > p.as_of - 28), 0) AS count_events_28d,
        coalesce(sum(d.count_active_events) FILTER (WHERE d.event_date > p.as_of - 90), 0) AS count_events_90d
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
    (p.as_of - a.last_active_date)::INTEGER AS days_since_last_active,
    a.active_days_1d::INTEGER AS active_days_1d,
    a.active_days_7d::INTEGER AS active_days_7d,
    a.active_days_14d::INTEGER AS active_days_14d,
    a.active_days_28d::INTEGER AS active_days_28d,
    a.active_days_90d::INTEGER AS active_days_90d,
    a.count_events_1d::INTEGER AS count_events_1d,
    a.count_events_7d::INTEGER AS count_events_7d,
    a.count_events_28d::INTEGER AS count_events_28d,
    a.count_events_90d::INTEGER AS count_events_90d,
    a.active_days_prev_7d::INTEGER AS active_days_prev_7d,
    (a.active_days_7d - a.active_days_prev_7d)::INTEGER AS trend_active_days_7d,
    a.active_days_prev_28d::INTEGER AS active_days_prev_28d,
    (a.active_days_28d - a.active_days_prev_28d)::INTEGER AS trend_active_days_28d,
    -- weeks of the last four with at least one active day (how regular, not how much)
    ((a.active_days_7d > 0)::INTEGER + (a.active_days_prev_7d > 0)::INTEGER
        + (a.active_days_week_3 > 0)::INTEGER + (a.active_days_week_4 > 0)::INTEGER) AS active_weeks_28d,
    (a.last_two_active_dates[1] - a.last_two_active_dates[2])::INTEGER AS last_gap_days,
    (p.as_of - p.first_seen_date)::INTEGER AS tenure_days,
    a.active_days_lifetime::INTEGER AS active_days_lifetime,
    a.active_days_lifetime / (p.as_of - p.first_seen_date + 1) AS share_days_active,
    -- the user's usual gap between active days, and how overdue the next one is
    CASE WHEN a.active_days_lifetime > 1
        THEN (a.last_active_date - p.first_seen_date) / (a.active_days_lifetime - 1) END AS mean_days_between_active,
    (p.as_of - a.last_active_date) / CASE WHEN a.active_days_lifetime > 1
        THEN (a.last_active_date - p.first_seen_date) / (a.active_days_lifetime - 1) END AS recency_over_mean_gap,
    a.count_events_28d / nullif(a.active_days_28d, 0) AS events_per_active_day_28d,
    a.count_events_lifetime / a.active_days_lifetime AS events_per_active_day_lifetime,
    -- share of days active between the first and the last active day (the pace while engaged)
    a.active_days_lifetime / (a.last_active_date - p.first_seen_date + 1) AS share_days_active_span,
    CASE WHEN p.signup_date <= p.as_of THEN (p.as_of - p.signup_date)::INTEGER END AS days_since_signup,
    CASE WHEN p.first_paid_date <= p.as_of THEN (p.as_of - p.first_paid_date)::INTEGER END AS days_since_first_paid,
    coalesce(p.first_paid_date <= p.as_of, false) AS is_paid,
    coalesce(p.signup_date <= p.as_of AND p.referrer_user_key IS NOT NULL, false) AS is_referred,
    CASE
        WHEN p.signup_date <= p.as_of THEN coalesce(p.signup_method, 'unknown')
        ELSE 'not_signed_up'
    END AS signup_method,
    coalesce(c.channel, 'Other') AS channel,
    CASE WHEN p.platform_known_date <= p.as_of THEN p.platform ELSE 'unknown' END AS platform,
    coalesce(pl.plan, 'none') AS plan
FROM model_population AS p
JOIN activity AS a USING (rid)
LEFT JOIN plans AS pl USING (rid)
LEFT JOIN model_channel_map AS c
    ON c.utm_source IS NOT DISTINCT FROM p.first_utm_source
    AND c.utm_medium IS NOT DISTINCT FROM p.first_utm_medium
ORDER BY p.rid;
