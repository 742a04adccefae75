-- Identifier hygiene for the users selected into the audience (audience_selection).
--
-- audience_checked_users — grain: one row per selected user, with the user-level reason
-- not to export them: in_excluded_audience; ad_tracking_disabled (adTrackingEnabled =
-- false); no_ad_consent (ad_user_data or ad_personalization denied, or not reported when
-- require_explicit_consent).
CREATE OR REPLACE TEMP TABLE audience_checked_users AS
SELECT
    s.user_key,
    s.score,
    CASE
        WHEN s.is_excluded THEN 'in_excluded_audience'
        WHEN u.ad_tracking_enabled = false THEN 'ad_tracking_disabled'
        WHEN u.consent_ad_user_data = false OR u.consent_ad_personalization = false THEN 'no_ad_consent'
        WHEN $require_explicit_consent::BOOLEAN
             AND (u.consent_ad_user_data IS NULL OR u.consent_ad_personalization IS NULL) THEN 'no_ad_consent'
    END AS user_removed_reason
FROM audience_selection AS s
LEFT JOIN core.users AS u USING (user_key)
WHERE s.audience = $audience;

-- audience_candidates — grain: one row per selected user not removed above, identifiers
-- as core.users holds them (hashed at ingest), ad ids trimmed + lower-cased, country names
-- ("South Korea") mapped to ISO alpha-2 codes (audience_country_codes).
CREATE OR REPLACE TEMP TABLE audience_candidates AS
SELECT
    c.user_key,
    c.score,
    list_transform(coalesce(u.advertising_ids, []), ad_id -> lower(trim(ad_id))) AS ad_ids,
    lower(trim(u.latest_advertising_id)) AS latest_ad_id,
    u.email_sha256,
    u.email_sha256_google,
    u.phone_sha256,
    u.phone_sha256_digits,
    u.first_name_sha256,
    u.last_name_sha256,
    coalesce(cc.code, u.country) AS country
FROM audience_checked_users AS c
JOIN core.users AS u USING (user_key)
LEFT JOIN audience_country_codes AS cc ON lower(trim(u.country)) = cc.name
WHERE c.user_removed_reason IS NULL;

-- audience_identifier_issues — grain: one row per identifier that is not exported, with
-- why: madid_zeroed (the all-zero IDFA/AAID an opted-out device reports), madid_malformed
-- (not a UUID), hash_malformed / empty_value_hash (defensive: hashes are made at ingest,
-- never of an empty value), country_malformed (not ISO alpha-2), duplicate_identifier (the
-- same match key on several users: kept for the highest score, then the smallest
-- user_key). Names and country are attributes for Google's address matching, not match
-- keys: never deduplicated. (Checks use ltrim over character sets rather than regular
-- expressions: same rule, a fraction of the cost on millions of rows; e3b0c442… is
-- SHA-256 of the empty string.)
CREATE OR REPLACE TEMP MACRO audience_identifier_issue(identifier_type, identifier) AS
    CASE
        WHEN identifier_type = 'madid' THEN
            CASE
                WHEN identifier = '00000000-0000-0000-0000-000000000000' THEN 'madid_zeroed'
                WHEN NOT (length(identifier) = 36
                          AND list_transform([9, 14, 19, 24], i -> identifier[i]) = ['-', '-', '-', '-']
                          AND length(replace(identifier, '-', '')) = 32
                          AND ltrim(identifier, '0123456789abcdef-') = '') THEN 'madid_malformed'
            END
        WHEN identifier_type = 'country' THEN
            CASE WHEN NOT (length(identifier) = 2 AND ltrim(identifier, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') = '')
                 THEN 'country_malformed' END
        WHEN identifier = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' THEN 'empty_value_hash'
        WHEN NOT (length(identifier) = 64 AND ltrim(identifier, '0123456789abcdef') = '') THEN 'hash_malformed'
    END;

CREATE OR REPLACE TEMP TABLE audience_identifier_issues AS
WITH identifiers AS (
    SELECT user_key, score, identifier_type, identifier
    FROM audience_candidates
    UNPIVOT (identifier FOR identifier_type IN (
        email_sha256, email_sha256_google, phone_sha256, phone_sha256_digits,
        first_name_sha256, last_name_sha256, country
    ))
    UNION ALL
    SELECT user_key, score, 'madid' AS identifier_type, unnest(ad_ids) AS identifier
    FROM audience_candidates
),

checked AS (
    SELECT
        user_key,
        score,
        identifier_type,
        identifier,
        audience_identifier_issue(identifier_type, identifier) AS reason
    FROM identifiers
),

-- Duplicates are rare: rank only the match keys whose 64-bit hash occurs more than once
-- (grouping on the hash is much cheaper than on the strings; a collision only costs a
-- ranking, and the ranking partitions on the identifier itself).
shared AS (
    SELECT hash(identifier_type, identifier) AS key_hash
    FROM identifiers
    WHERE identifier_type NOT IN ('first_name_sha256', 'last_name_sha256', 'country')
    GROUP BY key_hash
    HAVING count(*) > 1
),

losers AS (
    SELECT user_key, identifier_type, identifier
    FROM (
        SELECT
            i.user_key,
            i.identifier_type,
            i.identifier,
            row_number() OVER (PARTITION BY i.identifier_type, i.identifier ORDER BY i.score DESC, i.user_key) AS position
        FROM identifiers AS i
        SEMI JOIN shared AS s ON hash(i.identifier_type, i.identifier) = s.key_hash
        WHERE audience_identifier_issue(i.identifier_type, i.identifier) IS NULL
    )
    WHERE position > 1
)

SELECT user_key, identifier_type, identifier, reason FROM checked WHERE reason IS NOT NULL
UNION ALL
SELECT user_key, identifier_type, identifier, 'duplicate_identifier' AS reason FROM losers;

-- audience_member_rows — grain: one row per candidate, identifiers with issues removed.
-- madid: the ad id reported most recently if it survived, else the smallest one.
CREATE OR REPLACE TEMP TABLE audience_member_rows AS
WITH issues AS (
    SELECT user_key, list(identifier_type || ':' || identifier) AS removed
    FROM audience_identifier_issues
    GROUP BY user_key
),

cleaned AS (
    SELECT
        c.user_key,
        c.score,
        c.latest_ad_id,
        list_distinct(list_filter(c.ad_ids, ad_id -> NOT coalesce(list_contains(i.removed, 'madid:' || ad_id), false)))
            AS madids,
        CASE WHEN coalesce(list_contains(i.removed, 'email_sha256:' || c.email_sha256), false)
             THEN NULL ELSE c.email_sha256 END AS email_sha256,
        CASE WHEN coalesce(list_contains(i.removed, 'email_sha256_google:' || c.email_sha256_google), false)
             THEN NULL ELSE c.email_sha256_google END AS email_sha256_google,
        CASE WHEN coalesce(list_contains(i.removed, 'phone_sha256:' || c.phone_sha256), false)
             THEN NULL ELSE c.phone_sha256 END AS phone_sha256,
        CASE WHEN coalesce(list_contains(i.removed, 'phone_sha256_digits:' || c.phone_sha256_digits), false)
             THEN NULL ELSE c.phone_sha256_digits END AS phone_sha256_digits,
        CASE WHEN coalesce(list_contains(i.removed, 'first_name_sha256:' || c.first_name_sha256), false)
             THEN NULL ELSE c.first_name_sha256 END AS first_name_sha256,
        CASE WHEN coalesce(list_contains(i.removed, 'last_name_sha256:' || c.last_name_sha256), false)
             THEN NULL ELSE c.last_name_sha256 END AS last_name_sha256,
        CASE WHEN coalesce(list_contains(i.removed, 'country:' || c.country), false)
             THEN NULL ELSE c.country END AS country
    FROM audience_candidates AS c
    LEFT JOIN issues AS i USING (user_key)
)

SELECT
    user_key,
    score,
    list_sort(madids) AS madids,
    CASE WHEN list_contains(madids, latest_ad_id) THEN latest_ad_id ELSE list_min(madids) END AS madid,
    email_sha256,
    email_sha256_google,
    phone_sha256,
    phone_sha256_digits,
    first_name_sha256,
    last_name_sha256,
    country
FROM cleaned;

-- audience_users — grain: one row per selected user; removed_reason as above, or
-- no_usable_identifier when no match key (ad id, email or phone hash) survived.
CREATE OR REPLACE TEMP TABLE audience_users AS
SELECT
    c.user_key,
    c.score,
    coalesce(
        c.user_removed_reason,
        CASE WHEN coalesce(len(r.madids), 0) = 0 AND r.email_sha256 IS NULL AND r.email_sha256_google IS NULL
                  AND r.phone_sha256 IS NULL AND r.phone_sha256_digits IS NULL
             THEN 'no_usable_identifier' END
    ) AS removed_reason
FROM audience_checked_users AS c
LEFT JOIN audience_member_rows AS r USING (user_key);
