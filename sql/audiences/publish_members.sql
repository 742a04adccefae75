-- Publish the hygiene result of the audience at as_of: replaces that (audience, as_of) in
-- marts.audience_members_wide, marts.audience_changes and marts.audience_history; other
-- dates are the history. position 1 = highest score (ties: user_key): the order of every
-- exported file.
DELETE FROM marts.audience_members_wide WHERE audience = $audience AND as_of = $as_of::DATE;

INSERT INTO marts.audience_members_wide
WITH ranked AS (  -- ranked narrow: sorting the wide rows would move every hash around
    SELECT user_key, row_number() OVER (ORDER BY score DESC, user_key) AS position
    FROM audience_users
    WHERE removed_reason IS NULL
)

SELECT
    $audience AS audience,
    $as_of::DATE AS as_of,
    p.position,
    r.user_key,
    r.score,
    CASE WHEN len(r.madids) > 0 THEN r.madids END AS madids,
    r.madid,
    r.email_sha256,
    r.email_sha256_google,
    r.phone_sha256,
    r.phone_sha256_digits,
    r.first_name_sha256,
    r.last_name_sha256,
    r.country,
    $model_version::VARCHAR AS model_version
FROM audience_member_rows AS r
JOIN ranked AS p USING (user_key);

-- Who entered / left since the previous export (the latest earlier as_of of the audience;
-- on the first export every member entered).
DELETE FROM marts.audience_changes WHERE audience = $audience AND as_of = $as_of::DATE;

INSERT INTO marts.audience_changes
WITH previous AS (
    SELECT max(as_of) AS previous_as_of
    FROM marts.audience_members_wide
    WHERE audience = $audience AND as_of < $as_of::DATE
),

current_members AS (
    SELECT user_key FROM marts.audience_members_wide WHERE audience = $audience AND as_of = $as_of::DATE
),

previous_members AS (
    SELECT m.user_key
    FROM marts.audience_members_wide AS m
    JOIN previous AS p ON m.as_of = p.previous_as_of
    WHERE m.audience = $audience
)

SELECT $audience, $as_of::DATE, (SELECT previous_as_of FROM previous), user_key, 'entered'
FROM current_members
ANTI JOIN previous_members USING (user_key)
UNION ALL
SELECT $audience, $as_of::DATE, (SELECT previous_as_of FROM previous), user_key, 'left'
FROM previous_members
ANTI JOIN current_members USING (user_key);

DELETE FROM marts.audience_history WHERE audience = $audience AND as_of = $as_of::DATE;

INSERT INTO marts.audience_history
SELECT
    $audience,
    $as_of::DATE,
    (SELECT max(as_of) FROM marts.audience_members_wide WHERE audience = $audience AND as_of < $as_of::DATE),
    (SELECT count(*) FROM audience_users),
    (SELECT count(*) FROM marts.audience_members_wide WHERE audience = $audience AND as_of = $as_of::DATE),
    count(*) FILTER (WHERE change = 'entered'),
    count(*) FILTER (WHERE change = 'left'),
    $users_removed::JSON,
    $identifiers_removed::JSON,
    $model_version::VARCHAR,
    $now::TIMESTAMPTZ
FROM marts.audience_changes
WHERE audience = $audience AND as_of = $as_of::DATE;
