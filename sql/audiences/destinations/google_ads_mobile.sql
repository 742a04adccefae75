-- Google Ads Customer Match, mobile device ID list — grain: one row per distinct ad id
-- (IDFA / AAID, raw lower-case UUID; distinct across members by hygiene). Highest scores first.
SELECT unnest(madids) AS "Mobile Device ID"
FROM marts.audience_members_wide
WHERE audience = $audience AND as_of = $as_of::DATE
ORDER BY position, "Mobile Device ID"
