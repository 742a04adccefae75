-- core.user_days — grain: one row per (user_key, event_date) on which the user was active
-- (at least one core.events row with is_active, i.e. the activity definition of
-- retainly.yaml), event_date being the local date in the reporting zone.
-- previous_date / next_date: the user's previous / next active date (NULL at either end).
-- The one scan of core.events that every activity mart reads instead of the events; the
-- neighbouring dates let the marts find spans, period firsts and gaps without a self-join.
-- Built from each user's sorted list of active dates (one aggregation by user, no sort of
-- all rows).
CREATE OR REPLACE TABLE core.user_days AS
WITH active_dates AS (
    SELECT user_key, list_sort(list_distinct(list(event_date))) AS dates
    FROM core.events
    WHERE is_active
    GROUP BY user_key
),

numbered AS (
    SELECT user_key, dates, generate_subscripts(dates, 1) AS i
    FROM active_dates
)

SELECT
    user_key,
    dates[i] AS event_date,
    dates[i - 1] AS previous_date,
    dates[i + 1] AS next_date
FROM numbered;
