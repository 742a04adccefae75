-- 28-day counts of the configured top events — grain: one row per (rid, event_index) of
-- model_population with at least one such event in the 28 days ending at as_of inclusive
-- (event_index = 1-based position in $top_events, see model_top_event_days). A long
-- table: models.activity.features scatters it into one column per top event (0 when
-- absent).
SELECT
    p.rid,
    t.event_index::INTEGER AS event_index,
    sum(t.count_events)::INTEGER AS count_events
FROM model_population AS p
JOIN model_top_event_days AS t
    ON t.user_key = p.user_key AND t.event_date > p.as_of - 28 AND t.event_date <= p.as_of
GROUP BY p.rid, t.event_index;
