-- core.user_days — grain: one row per (user_key, event_date) on which the user was active;
-- previous_date / next_date: the user's previous / next active date (NULL at either end).
-- A view over core.user_activity (same rows as a table would hold); the marts read
-- core.user_activity's date lists directly, keyed by its rowid (an integer uid). The
-- neighbouring dates let the marts find spans, period firsts and gaps without a self-join.
CREATE OR REPLACE VIEW core.user_days AS
SELECT
    user_key,
    dates[i] AS event_date,
    dates[i - 1] AS previous_date,
    dates[i + 1] AS next_date
FROM (SELECT user_key, dates, generate_subscripts(dates, 1) AS i FROM core.user_activity);
