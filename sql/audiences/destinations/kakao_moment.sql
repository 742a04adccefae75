-- Kakao Moment customer file (고객파일) — grain: one row per distinct ad id (ADID / IDFA,
-- raw lower-case UUID; distinct across members by hygiene). Highest scores first.
SELECT unnest(madids) AS adid
FROM marts.audience_members_wide
WHERE audience = $audience AND as_of = $as_of::DATE
ORDER BY position, adid
