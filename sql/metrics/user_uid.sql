-- The marts' integer user id while they aggregate events by user: a 64-bit hash of
-- user_key, so core.user_activity's (user, date) pairs and the funnels' step events need no
-- join to core.users first (hash tables, sorts and ASOF joins are much cheaper on an integer
-- than on a VARCHAR user_key longer than 12 bytes, which DuckDB cannot inline). It
-- identifies users exactly only when no two users of core.users share it, which
-- pipelines/metrics/build.py checks before every build; if two do (about 1 in 10^7 for 2M
-- users), it picks another salt, a suffix hashed with the key, until none do.
-- Parameters: salt ('' = the plain hash).
SET VARIABLE user_uid_salt = $salt::VARCHAR;

CREATE OR REPLACE TEMP MACRO user_uid(k) AS
    CASE WHEN getvariable('user_uid_salt') = '' THEN hash(k) ELSE hash(k || getvariable('user_uid_salt')) END;
