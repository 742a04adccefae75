-- model_population — grain: one row per (as_of, user_key) for every user first seen on
-- or before as_of (the users a snapshot can score), optionally a deterministic sample:
-- a row is kept when hash(user_key, as_of) falls in the first $sample_per_million of a
-- million buckets, so the same user is in or out of a snapshot on every run. rid numbers
-- the rows 0 … n-1 in (as_of, user_key) order: the features and labels are keyed by it.
CREATE OR REPLACE TEMP TABLE model_population AS
WITH snapshots AS (
    SELECT unnest($as_of_dates::DATE[]) AS as_of
)

SELECT (row_number() OVER (ORDER BY s.as_of, m.user_key) - 1)::INTEGER AS rid, s.as_of, m.*
FROM snapshots AS s
JOIN model_user_milestones AS m ON m.first_seen_date <= s.as_of
WHERE hash(m.user_key, s.as_of) % 1000000 < $sample_per_million
ORDER BY rid;
