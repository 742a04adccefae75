-- Funnel, part 2 (one step): every attempt that reached step step - 1 moves on with the
-- earliest step-step event strictly after its previous step, if that event is within
-- window_seconds of the attempt's step-1 event (greedy earliest is optimal for a fixed
-- start). Records the seconds between the two steps.
CREATE OR REPLACE TEMP TABLE funnel_attempts AS
WITH waiting AS (
    SELECT * FROM funnel_attempts WHERE level = $step - 1
),

-- Per user, the events that can be any waiting attempt's next step: after the earliest
-- previous step and within the window of the latest start. (The ASOF join takes the earliest
-- event after an attempt's previous step; an event outside these bounds either comes before
-- every previous step or is too late for every start, so dropping it changes no match
-- and the sort behind the join is over far fewer events.)
bounds AS (
    SELECT uid, min(last_ts) AS after_ts, max(start_ts) AS latest_start
    FROM waiting
    GROUP BY uid
),

candidates AS (
    SELECT e.uid, e.ts
    FROM funnel_events AS e
    JOIN bounds AS b USING (uid)
    WHERE e.step = $step
        AND e.ts > b.after_ts
        AND epoch_us(e.ts) - epoch_us(b.latest_start) <= $window_seconds::BIGINT * 1000000
),

advanced AS (
    SELECT
        w.*,
        c.ts AS next_ts,
        c.ts IS NOT NULL
            AND epoch_us(c.ts) - epoch_us(w.start_ts) <= $window_seconds::BIGINT * 1000000 AS is_converted
    FROM waiting AS w
    ASOF LEFT JOIN candidates AS c ON w.uid = c.uid AND w.last_ts < c.ts
)

SELECT * FROM funnel_attempts WHERE level <> $step - 1
UNION ALL
SELECT
    uid,
    start_ts,
    CASE WHEN is_converted THEN next_ts ELSE last_ts END AS last_ts,
    CASE WHEN is_converted THEN level + 1 ELSE level END AS level,
    CASE
        WHEN is_converted THEN list_append(seconds_between, (epoch_us(next_ts) - epoch_us(last_ts)) / 1e6)
        ELSE seconds_between
    END AS seconds_between
FROM advanced;
