-- 7- and 28-day counts of the configured top events — grain: one row per (rid,
-- event_index) of model_population with at least one such activity event in the 28 days
-- ending at as_of inclusive (event_index = 1-based position of event_name in
-- $top_events). Read straight from core.events, only the days between $window_from
-- (exclusive) and $window_to that the snapshots' windows reach, joined to the population
-- by user. A long table: models.activity.features scatters it into one column per top
-- event and window (0 when absent).
WITH top_events AS (
    SELECT
        user_key,
        event_date,
        list_position($top_events::VARCHAR[], event_name) AS event_index
    FROM core.events
    WHERE is_active
        AND user_key IS NOT NULL
        AND event_date > $window_from::DATE
        AND event_date <= $window_to::DATE
        AND list_position($top_events::VARCHAR[], event_name) IS NOT NULL
)

SELECT
    p.rid,
    t.event_index::INTEGER AS event_index,
    count(*)::INTEGER AS count_28d,
    count(*) FILTER (WHERE t.event_date > p.as_of - 7)::INTEGER AS count_7d
FROM model_population AS p
JOIN top_events AS t
    ON t.user_key = p.user_key AND t.event_date > p.as_of - 28 AND t.event_date <= p.as_of
GROUP BY p.rid, t.event_index;
