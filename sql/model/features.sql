-- Point-in-time activity features — grain: one row per row of model_feature_base (built by
-- feature_base.sql for the snapshots of model_population, or by feature_base_latest.sql for
-- every user at the last loaded date), keyed by its integer rid and in rid order. Units are
-- local days and activity events (core.events.is_active). The 7- and 28-day counts of the
-- top events come from features_top_events(_latest).sql (scattered into columns by
-- models.activity.features).
SELECT
    b.rid,
    b.as_of,
    b.user_key,
    (b.as_of - b.last_active_date)::INTEGER AS days_since_last_active,
    b.active_days_1d::INTEGER AS active_days_1d,
    b.active_days_7d::INTEGER AS active_days_7d,
    b.active_days_14d::INTEGER AS active_days_14d,
    b.active_days_28d::INTEGER AS active_days_28d,
    b.active_days_90d::INTEGER AS active_days_90d,
    coalesce(b.count_events_1d, 0)::INTEGER AS count_events_1d,
    coalesce(b.count_events_7d, 0)::INTEGER AS count_events_7d,
    coalesce(b.count_events_28d, 0)::INTEGER AS count_events_28d,
    coalesce(b.count_events_90d, 0)::INTEGER AS count_events_90d,
    b.active_days_prev_7d::INTEGER AS active_days_prev_7d,
    (b.active_days_7d - b.active_days_prev_7d)::INTEGER AS trend_active_days_7d,
    b.active_days_prev_28d::INTEGER AS active_days_prev_28d,
    (b.active_days_28d - b.active_days_prev_28d)::INTEGER AS trend_active_days_28d,
    -- weeks of the last four with at least one active day (how regular, not how much)
    ((b.active_days_7d > 0)::INTEGER + (b.active_days_prev_7d > 0)::INTEGER
        + (b.active_days_week_3 > 0)::INTEGER + (b.active_days_week_4 > 0)::INTEGER) AS active_weeks_28d,
    (b.last_active_date - b.previous_active_date)::INTEGER AS last_gap_days,
    (b.as_of - b.first_seen_date)::INTEGER AS tenure_days,
    b.active_days_lifetime::INTEGER AS active_days_lifetime,
    b.active_days_lifetime / (b.as_of - b.first_seen_date + 1) AS share_days_active,
    -- the user's usual gap between active days, and how overdue the next one is
    CASE WHEN b.active_days_lifetime > 1
        THEN (b.last_active_date - b.first_seen_date) / (b.active_days_lifetime - 1) END AS mean_days_between_active,
    (b.as_of - b.last_active_date) / CASE WHEN b.active_days_lifetime > 1
        THEN (b.last_active_date - b.first_seen_date) / (b.active_days_lifetime - 1) END AS recency_over_mean_gap,
    b.count_events_28d / nullif(b.active_days_28d, 0) AS events_per_active_day_28d,
    b.count_events_lifetime / b.active_days_lifetime AS events_per_active_day_lifetime,
    -- share of days active between the first and the last active day (the pace while engaged)
    b.active_days_lifetime / (b.last_active_date - b.first_seen_date + 1) AS share_days_active_span,
    (b.as_of - b.signup_date)::INTEGER AS days_since_signup,
    (b.as_of - b.first_paid_date)::INTEGER AS days_since_first_paid,
    b.first_paid_date IS NOT NULL AS is_paid,
    b.referrer_user_key IS NOT NULL AS is_referred,
    CASE
        WHEN b.signup_date IS NOT NULL THEN coalesce(b.signup_method, 'unknown')
        ELSE 'not_signed_up'
    END AS signup_method,
    coalesce(c.channel, 'Other') AS channel,
    coalesce(b.platform, 'unknown') AS platform,
    coalesce(b.plan, 'none') AS plan
FROM model_feature_base AS b
LEFT JOIN model_channel_map AS c
    ON c.utm_source IS NOT DISTINCT FROM b.first_utm_source
    AND c.utm_medium IS NOT DISTINCT FROM b.first_utm_medium
ORDER BY b.rid;
