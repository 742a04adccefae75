-- core.events — grain: one row per distinct event (event_id), with the stitched user_key:
-- the event's userId, else the userId its anonymousId was first linked to, else the
-- anonymousId. Rebuilt from raw.events on every run, so a link made today also
-- re-attributes the visitor's earlier anonymous page views.
-- user_uid: a 64-bit integer id of user_key (hash(user_key || $uid_salt); the salt is
-- ops.user_uid_salt's, '' unless two users once shared an id), unique over core.users
-- (pipelines/core/build.py ensures it). The marts group and join users by it: an integer is
-- much cheaper to hash and sort than a VARCHAR key longer than DuckDB's 12 inline bytes.
CREATE OR REPLACE TABLE core.events AS
SELECT
    e.event_id,
    e.event_name,
    e.event_type,
    e.event_ts,
    e.event_date,
    coalesce(e.user_id, m.user_id, e.anonymous_id, pm.user_id, e.previous_id) AS user_key,
    CASE WHEN $uid_salt = '' THEN hash(user_key) ELSE hash(user_key || $uid_salt) END AS user_uid,
    e.user_id,
    e.anonymous_id,
    e.previous_id,
    e.source,
    e.utm_source,
    e.utm_medium,
    e.utm_campaign,
    e.utm_content,
    e.utm_term,
    e.gclid,
    e.fbclid,
    e.referrer,
    e.page_url,
    e.platform,
    e.os_name,
    e.country,
    e.advertising_id,
    e.ad_tracking_enabled,
    e.consent_ad_user_data,
    e.consent_ad_personalization,
    e.email_sha256,
    e.email_sha256_google,
    e.phone_sha256,
    e.phone_sha256_digits,
    e.first_name_sha256,
    e.last_name_sha256,
    e.properties,
    e.event_type IN (SELECT unnest($activity_types::VARCHAR[]))
        AND NOT coalesce(e.event_name IN (SELECT unnest($excluded_event_names::VARCHAR[])), false)
        AS is_active,
    e.source_file,
    e.ingested_at
FROM raw.events AS e
LEFT JOIN core.identity_map AS m ON m.anonymous_id = e.anonymous_id
LEFT JOIN core.identity_map AS pm ON pm.anonymous_id = e.previous_id;
