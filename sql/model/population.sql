-- model_population — grain: one row per (as_of, user_key) for every user first seen on
-- or before as_of (the users a snapshot can score), optionally a deterministic sample:
-- a row of snapshot i is kept when hash(user_key, as_of) falls in the first
-- $sample_per_million[i] of a million buckets, so the same user is in or out of a
-- snapshot on every run. Several snapshots (training, validation, the scoring date) share
-- one population, so the features of all of them come from one pass over the inputs. rid
-- numbers the rows 0 … n-1 in (as_of, user_key) order: the features and labels are keyed
-- by it.
CREATE OR REPLACE TEMP TABLE model_population AS
WITH snapshots AS (
    SELECT
        unnest($as_of_dates::DATE[]) AS as_of,
        unnest($sample_per_million::BIGINT[]) AS sample_per_million
)

SELECT (row_number() OVER (ORDER BY s.as_of, m.user_key) - 1)::INTEGER AS rid, s.as_of, m.*
FROM snapshots AS s
JOIN model_user_milestones AS m ON m.first_seen_date <= s.as_of
WHERE hash(m.user_key, s.as_of) % 1000000 < s.sample_per_million
ORDER BY rid;
