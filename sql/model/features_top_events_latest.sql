-- 7- and 28-day counts of the configured top events at the last loaded date ($as_of) —
-- grain: one row per (rid, event_index) like features_top_events.sql, for the population
-- of feature_base_latest.sql (rid = core.user_activity_events's rowid).
SELECT
    a.rowid AS rid,
    list_position($top_events::VARCHAR[], e.event_name)::INTEGER AS event_index,
    count(*)::INTEGER AS count_28d,
    count(*) FILTER (WHERE e.event_date > $as_of::DATE - 7)::INTEGER AS count_7d
FROM core.events AS e
JOIN core.user_activity_events AS a ON a.user_key = e.user_key
WHERE e.is_active
    AND e.event_date > $as_of::DATE - 28
    AND e.event_date <= $as_of::DATE
    AND list_position($top_events::VARCHAR[], e.event_name) IS NOT NULL
GROUP BY ALL;
