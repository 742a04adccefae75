-- Activity labels — grain: one row per (as_of, user_key) of model_population.
-- label_active_days = distinct active local days in (as_of, as_of + $horizon_days];
-- p_active's target is label_active_days >= 1. Only meaningful when the whole horizon is
-- loaded (as_of + horizon <= last loaded date), which the caller checks. Keyed and ordered
-- by model_population.rid, i.e. (as_of, user_key) order like the features.
SELECT
    any_value(p.as_of) AS as_of,
    any_value(p.user_key) AS user_key,
    count(d.event_date)::INTEGER AS label_active_days
FROM model_population AS p
LEFT JOIN model_user_days AS d
    ON d.user_key = p.user_key
    AND d.event_date > p.as_of
    AND d.event_date <= p.as_of + $horizon_days::INTEGER
GROUP BY p.rid
ORDER BY p.rid;
