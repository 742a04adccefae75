-- Funnel, part 1 (one funnel): the events matching each step and the users' attempts.
-- A step matches on event_name and/or event_type (both when both are set).
-- An attempt starts at a step-1 event. Only attempts that can be a user's best are kept:
-- the latest step-1 event before each step-2 event (a later start reaches the same
-- step-2 event with a later deadline, so it never does worse), and, for a user without
-- any, their latest step-1 event. (Attempts that stay at step 1 are all alike — no time
-- between steps — so a user with one of the former needs no other.)
-- Parameters: step_names, step_types (one entry per step, NULL = any), window_seconds.
CREATE OR REPLACE TEMP TABLE funnel_steps AS
SELECT
    unnest(range(1, len($step_names::VARCHAR[]) + 1)) AS step,
    unnest($step_names::VARCHAR[]) AS event_name,
    unnest($step_types::VARCHAR[]) AS event_type;

-- The events matching steps first_step … last_step, one row per (event, step): two
-- equi-joins (hash joins), not one join on OR conditions (a nested loop over every
-- candidate event and step): steps with an event_name match on it (and on event_type when
-- set), steps with only an event_type match on that. An event can match several steps.
-- Users are keyed by core.events' integer user_uid: the sorts of the ASOF joins and the
-- per-user aggregations are much cheaper on it than on the VARCHAR user_key.
CREATE OR REPLACE TEMP MACRO funnel_matches(first_step, last_step) AS TABLE
    SELECT e.user_uid AS uid, e.event_ts AS ts, s.step
    FROM core.events AS e
    JOIN (SELECT * FROM funnel_steps WHERE step BETWEEN first_step AND last_step AND event_name IS NOT NULL) AS s
        ON e.event_name = s.event_name
    WHERE s.event_type IS NULL OR e.event_type = s.event_type
    UNION ALL
    SELECT e.user_uid AS uid, e.event_ts AS ts, s.step
    FROM core.events AS e
    JOIN (SELECT * FROM funnel_steps WHERE step BETWEEN first_step AND last_step AND event_name IS NULL) AS s
        ON e.event_type = s.event_type;

CREATE OR REPLACE TEMP TABLE funnel_events AS
SELECT * FROM funnel_matches(2, 2);

-- Each user's first and last step-2 times: bounds for the step-1 and step-3+ events below.
CREATE OR REPLACE TEMP TABLE funnel_seconds AS
SELECT uid, min(ts) AS first_second, max(ts) AS last_second
FROM funnel_events
WHERE step = 2
GROUP BY uid;

-- Events of steps 3 and later, only those some attempt can reach: after the user's first
-- step-2 event (every later step follows a step-2 event) and within the window of the
-- user's last one (an attempt starts before its step-2 event, so its window ends before
-- last step-2 + window). At 100M events this keeps 'Summary Created' (28M) to the weeks
-- around each sign-up; the rows dropped would match no attempt.
INSERT INTO funnel_events
SELECT m.uid, min(m.ts) AS ts, m.step
FROM funnel_matches(3, len($step_names::VARCHAR[])) AS m
JOIN funnel_seconds AS s USING (uid)
WHERE m.ts > s.first_second
    AND epoch_us(m.ts) - epoch_us(s.last_second) <= $window_seconds::BIGINT * 1000000
-- A user whose step-2 events share one time s (most users: one sign-up) has every
-- attempt that reached step 2 waiting at s, so only their first step-3 event after s can
-- be matched: one group per such user keeps just it; every other event is its own group.
GROUP BY m.uid, m.step, CASE WHEN m.step = 3 AND s.first_second = s.last_second THEN NULL ELSE m.ts END;

-- Step-1 events are most of a funnel's events (page views), but only these can start a
-- best attempt (see above): those before the user's last step-2 event (the latest before
-- each step-2 event is among them), or, when there is none, the user's latest one.
INSERT INTO funnel_events
WITH per_user AS (
    SELECT
        f.uid,
        max(f.ts) AS last_first,
        list(f.ts) FILTER (WHERE f.ts < l.last_second) AS before_second
    FROM funnel_matches(1, 1) AS f
    LEFT JOIN funnel_seconds AS l USING (uid)
    GROUP BY f.uid
)

SELECT uid, unnest(CASE WHEN len(before_second) > 0 THEN list_distinct(before_second) ELSE [last_first] END) AS ts, 1 AS step
FROM per_user;

CREATE OR REPLACE TEMP TABLE funnel_attempts AS
WITH seconds AS (
    SELECT uid, ts FROM funnel_events WHERE step = 2
),

-- Only users with a step-2 event need more than their latest start.
firsts_of_converting AS (
    SELECT uid, ts
    FROM funnel_events
    WHERE step = 1 AND uid IN (SELECT uid FROM seconds)
),

starts AS (
    SELECT f.uid, f.ts
    FROM seconds AS s
    ASOF JOIN firsts_of_converting AS f ON s.uid = f.uid AND s.ts > f.ts
    UNION
    SELECT uid, max(ts) FROM funnel_events WHERE step = 1 GROUP BY uid
)

SELECT uid, ts AS start_ts, ts AS last_ts, 1 AS level, []::DOUBLE[] AS seconds_between
FROM starts;
