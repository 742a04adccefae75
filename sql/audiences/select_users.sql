-- audience_selection for audience — grain: one row per selected user_key at as_of.
-- Eligible: scored at as_of (marts.activity_scores) and passing every segment filter; an
-- empty list / NULL parameter means "no filter":
--   platform        core.users.platform (NULL → 'unknown');
--   channel         first-touch utm source/medium through retainly.yaml's channel rules
--                   (audience_channel_rules, first matching rule wins, else 'Other');
--   signup method   core.users.signup_method;
--   paid            first payment on or before as_of (local date);
--   active within   at least one active day (core.events.is_active) in the
--                   active_within_days days ending on as_of — point in time, so a rerun
--                   for an old as_of ignores later activity.
-- Then score >= min_score, ranked by rank_by (ties: user_key), keeping the top top_n or
-- floor(top_share × eligible users). is_excluded: also selected by exclude_audience.
DELETE FROM audience_selection WHERE audience = $audience;

INSERT INTO audience_selection
WITH scores AS (
    SELECT
        user_key,
        CASE $rank_by WHEN 'p_active' THEN p_active ELSE expected_active_days END AS score
    FROM marts.activity_scores
    WHERE as_of = $as_of::DATE
),

users AS (
    SELECT user_key, platform, signup_method, first_utm_source, first_utm_medium, first_paid_ts
    FROM core.users
),

touch_pairs AS (
    SELECT DISTINCT first_utm_source, first_utm_medium
    FROM core.users
    WHERE len($channels::VARCHAR[]) > 0
),

channel_of AS (
    SELECT
        p.first_utm_source,
        p.first_utm_medium,
        coalesce((
            SELECT r.channel
            FROM audience_channel_rules AS r
            WHERE regexp_full_match(coalesce(p.first_utm_source, ''), '(?i)' || r.source_re)
              AND regexp_full_match(coalesce(p.first_utm_medium, ''), '(?i)' || r.medium_re)
            ORDER BY r.priority
            LIMIT 1
        ), 'Other') AS channel
    FROM touch_pairs AS p
),

recently_active AS (
    SELECT DISTINCT user_key
    FROM core.events
    WHERE $active_within_days::INTEGER IS NOT NULL
      AND is_active
      AND event_date <= $as_of::DATE
      AND event_date > $as_of::DATE - $active_within_days::INTEGER
),

eligible AS (
    SELECT s.user_key, s.score
    FROM scores AS s
    JOIN users AS u USING (user_key)
    LEFT JOIN channel_of AS c
        ON u.first_utm_source IS NOT DISTINCT FROM c.first_utm_source
       AND u.first_utm_medium IS NOT DISTINCT FROM c.first_utm_medium
    WHERE s.score IS NOT NULL
      AND ($min_score::DOUBLE IS NULL OR s.score >= $min_score::DOUBLE)
      AND (len($platforms::VARCHAR[]) = 0 OR list_contains($platforms::VARCHAR[], coalesce(u.platform, 'unknown')))
      AND (len($channels::VARCHAR[]) = 0 OR list_contains($channels::VARCHAR[], c.channel))
      AND (len($signup_methods::VARCHAR[]) = 0 OR list_contains($signup_methods::VARCHAR[], u.signup_method))
      AND ($paid::BOOLEAN IS NULL
           OR coalesce(timezone($tz, u.first_paid_ts)::DATE <= $as_of::DATE, false) = $paid::BOOLEAN)
      AND ($active_within_days::INTEGER IS NULL OR s.user_key IN (SELECT user_key FROM recently_active))
),

ranked AS (
    SELECT
        user_key,
        score,
        row_number() OVER (ORDER BY score DESC, user_key) AS position,
        count(*) OVER () AS eligible_users
    FROM eligible
)

SELECT
    $audience AS audience,
    user_key,
    score,
    user_key IN (
        SELECT user_key FROM audience_selection WHERE audience = $exclude_audience AND NOT is_excluded
    ) AS is_excluded
FROM ranked
WHERE position <= coalesce($top_n::BIGINT, floor($top_share::DOUBLE * eligible_users + 1e-9)::BIGINT, eligible_users);
