-- The funnels' integer user id: a 64-bit hash of user_key, so the step events need no join
-- to core.users (the sorts of the ASOF joins and the per-user aggregations are much cheaper
-- on an integer than on the VARCHAR user_key). It identifies users exactly only when no two
-- users of core.users share it, which pipelines/metrics/build.py checks before every build;
-- if two do (about 1 in 10^7 for 2M users), it picks another salt, a suffix hashed with the
-- key, until none do.
-- Parameters: salt ('' = the plain hash).
SET VARIABLE funnel_uid_salt = $salt::VARCHAR;

CREATE OR REPLACE TEMP MACRO funnel_uid(k) AS
    CASE WHEN getvariable('funnel_uid_salt') = '' THEN hash(k) ELSE hash(k || getvariable('funnel_uid_salt')) END;
