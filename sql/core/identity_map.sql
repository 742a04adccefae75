-- core.identity_map — grain: one row per anonymous_id that was ever linked to a user_id.
-- A link is any event carrying both ids (identify, Signed Up, …) or an alias
-- (previousId → userId). The FIRST link wins; later links to other users are kept in
-- core.identity_conflicts so nothing is silently lost.
CREATE OR REPLACE TABLE core.identity_links AS
SELECT anonymous_id, user_id, event_ts AS linked_ts, event_id
FROM raw.events
WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL AND anonymous_id <> user_id
UNION ALL
SELECT previous_id, user_id, event_ts, event_id
FROM raw.events
WHERE event_type = 'alias' AND previous_id IS NOT NULL AND user_id IS NOT NULL AND previous_id <> user_id;

CREATE OR REPLACE TABLE core.identity_map AS
SELECT
    anonymous_id,
    arg_min(user_id, (linked_ts, event_id)) AS user_id,
    min(linked_ts) AS first_linked_ts,
    count(DISTINCT user_id) AS linked_user_count
FROM core.identity_links
GROUP BY anonymous_id;

-- Grain: one row per (anonymous_id, losing user_id).
CREATE OR REPLACE TABLE core.identity_conflicts AS
SELECT
    l.anonymous_id,
    m.user_id AS kept_user_id,
    l.user_id AS conflicting_user_id,
    m.first_linked_ts,
    min(l.linked_ts) AS conflict_first_ts
FROM core.identity_links AS l
JOIN core.identity_map AS m USING (anonymous_id)
WHERE l.user_id <> m.user_id
GROUP BY ALL;

DROP TABLE core.identity_links;
