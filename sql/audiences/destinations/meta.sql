-- Meta custom audience customer file — grain: one row per member with an email hash, a phone
-- hash (digits with country code, no '+', as Meta normalizes) or an ad id (madid: raw
-- lower-case, the one the member reported most recently).
SELECT
    email_sha256 AS email,
    phone_sha256_digits AS phone,
    madid
FROM marts.audience_members_wide
WHERE audience = $audience AND as_of = $as_of::DATE
  AND (email_sha256 IS NOT NULL OR phone_sha256_digits IS NOT NULL OR madid IS NOT NULL)
ORDER BY position
