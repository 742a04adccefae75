-- core.user_days — grain: one row per (user_key, event_date) on which the user was active;
-- previous_date / next_date: the user's previous / next active date (NULL at either end).
-- A view over core.user_activity (same rows as a table would hold), for users' own queries;
-- the marts read core.user_activity's date lists directly, keyed by user_uid. The
-- neighbouring dates let the marts find spans, period firsts and gaps without a self-join.
CREATE OR REPLACE VIEW core.user_days AS
SELECT
    u.user_key,
    a.dates[a.i] AS event_date,
    a.dates[a.i - 1] AS previous_date,
    a.dates[a.i + 1] AS next_date
FROM (SELECT user_uid, dates, generate_subscripts(dates, 1) AS i FROM core.user_activity) AS a
JOIN core.users AS u USING (user_uid);
