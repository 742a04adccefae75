-- Funnel, part 1 (one funnel): the events matching each step and the users' attempts.
-- A step matches on event_name and/or event_type (both when both are set).
-- An attempt starts at a step-1 event. Only attempts that can be a user's best are kept:
-- the latest step-1 event before each step-2 event (a later start reaches the same
-- step-2 event with a later deadline, so it never does worse) and the user's latest
-- step-1 event (for users who never reach step 2).
-- Parameters: step_names, step_types (one entry per step, NULL = any).
CREATE OR REPLACE TEMP TABLE funnel_steps AS
SELECT
    unnest(range(1, len($step_names::VARCHAR[]) + 1)) AS step,
    unnest($step_names::VARCHAR[]) AS event_name,
    unnest($step_types::VARCHAR[]) AS event_type;

CREATE OR REPLACE TEMP TABLE funnel_events AS
WITH candidates AS (
    SELECT user_key, event_ts, event_name, event_type
    FROM core.events
    WHERE event_name IN (SELECT event_name FROM funnel_steps)
       OR event_type IN (SELECT event_type FROM funnel_steps WHERE event_name IS NULL)
)

SELECT e.user_key, e.event_ts AS ts, s.step
FROM candidates AS e
JOIN funnel_steps AS s
    ON (s.event_name IS NULL OR e.event_name = s.event_name)
    AND (s.event_type IS NULL OR e.event_type = s.event_type);

CREATE OR REPLACE TEMP TABLE funnel_attempts AS
WITH seconds AS (
    SELECT user_key, ts FROM funnel_events WHERE step = 2
),

-- Only users with a step-2 event need more than their latest start.
firsts_of_converting AS (
    SELECT user_key, ts
    FROM funnel_events
    WHERE step = 1 AND user_key IN (SELECT user_key FROM seconds)
),

starts AS (
    SELECT f.user_key, f.ts
    FROM seconds AS s
    ASOF JOIN firsts_of_converting AS f ON s.user_key = f.user_key AND s.ts > f.ts
    UNION
    SELECT user_key, max(ts) FROM funnel_events WHERE step = 1 GROUP BY user_key
)

SELECT user_key, ts AS start_ts, ts AS last_ts, 1 AS level, []::DOUBLE[] AS seconds_between
FROM starts;
