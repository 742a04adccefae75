-- Readers of core.user_activity (built by user_days.sql) for the activity marts; loaded
-- after it exists (a table macro binds its tables when it is created).
-- core.user_days keyed by the integer uid (core.user_activity's rowid) instead of user_key:
-- one row per user and active local date, with the user's previous / next active date.
CREATE OR REPLACE TEMP MACRO activity_days() AS TABLE
    SELECT
        rowid AS uid,
        unnest(dates) AS event_date,
        unnest([NULL::DATE] || dates[:-2]) AS previous_date,
        unnest(dates[2:] || [NULL::DATE]) AS next_date
    FROM core.user_activity;

-- The first and last loaded date: the earliest and latest local date with activity.
CREATE OR REPLACE TEMP MACRO activity_bounds() AS TABLE
    SELECT min(dates[1]) AS first_date, max(dates[-1]) AS last_date FROM core.user_activity;
