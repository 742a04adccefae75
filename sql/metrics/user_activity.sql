-- core.user_activity — grain: one row per user with at least one core.events row with
-- is_active (the activity definition of retainly.yaml), keyed by user_uid (core.events'
-- integer id of the user, unique over core.users): `dates`, the user's distinct active
-- local dates in the reporting zone, sorted. Internal: the marts read these lists (one row
-- per user to write instead of one per user-day). The (user, date) pairs are made distinct
-- first, then listed: at 10M demo events 0.67 s against 0.84 s for list_distinct per user.
CREATE OR REPLACE TABLE core.user_activity AS
WITH user_dates AS (
    SELECT DISTINCT user_uid, event_date
    FROM core.events
    WHERE is_active
)

SELECT user_uid, list_sort(list(event_date)) AS dates
FROM user_dates
GROUP BY user_uid;
