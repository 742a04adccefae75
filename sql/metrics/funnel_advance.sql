-- Funnel, part 2 (one step): every attempt that reached step step - 1 moves on with the
-- earliest step-step event strictly after its previous step, if that event is within
-- window_seconds of the attempt's step-1 event (greedy earliest is optimal for a fixed
-- start). Records the seconds between the two steps.
CREATE OR REPLACE TEMP TABLE funnel_attempts AS
WITH waiting AS (
    SELECT * FROM funnel_attempts WHERE level = $step - 1
),

candidates AS (
    SELECT uid, ts
    FROM funnel_events
    WHERE step = $step AND uid IN (SELECT uid FROM waiting)
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
