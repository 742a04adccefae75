-- TikTok custom audience customer file (multiple ID types) — grain: one row per member with
-- an ad id (MAID, raw lower-case, the one reported most recently), an email hash or a phone
-- hash (digits with country code, no '+', as TikTok normalizes).
SELECT
    madid AS "MAID",
    email_sha256 AS "Email_SHA256",
    phone_sha256_digits AS "Phone_SHA256"
FROM marts.audience_members_wide
WHERE audience = $audience AND as_of = $as_of::DATE
  AND (madid IS NOT NULL OR email_sha256 IS NOT NULL OR phone_sha256_digits IS NOT NULL)
ORDER BY position
