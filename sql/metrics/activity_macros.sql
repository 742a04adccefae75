-- Readers of core.user_activity (built by user_activity_by_*.sql) for the activity marts; loaded
-- after it exists (a table macro binds its tables when it is created).
-- The first and last loaded date: the earliest and latest local date with activity.
CREATE OR REPLACE TEMP MACRO activity_bounds() AS TABLE
    SELECT min(dates[1]) AS first_date, max(dates[-1]) AS last_date FROM core.user_activity;
