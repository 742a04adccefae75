-- Google Ads Customer Match, contact list — grain: one row per member with a Google-normalized
-- email hash or an E.164 ('+') phone hash. First/last names are SHA-256 hashes, Country is
-- the unhashed ISO alpha-2 code; Zip stays empty (Retainly collects no postal codes).
SELECT
    email_sha256_google AS "Email",
    phone_sha256 AS "Phone",
    first_name_sha256 AS "First Name",
    last_name_sha256 AS "Last Name",
    country AS "Country",
    NULL::VARCHAR AS "Zip"
FROM marts.audience_members_wide
WHERE audience = $audience AND as_of = $as_of::DATE
  AND (email_sha256_google IS NOT NULL OR phone_sha256 IS NOT NULL)
ORDER BY position
