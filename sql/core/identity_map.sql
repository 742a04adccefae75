-- core.identity_map — grain: one row per anonymous_id that was ever linked to a user_id.
-- A link is any event carrying both ids (identify, Signed Up, …) or an alias
-- (previousId → userId). The FIRST link wins; later links to other users are kept in
-- core.identity_conflicts so nothing is silently lost.
-- The links are first reduced to one row per (anonymous_id, user_id) pair with the pair's
-- first link (time, then event_id), in memory: every event of a signed-in visitor carries
-- both ids, so the links are most of raw.events, the pairs a few per visitor.
CREATE OR REPLACE TEMP TABLE identity_pairs AS
SELECT anonymous_id, user_id, min({'ts': linked_ts, 'event_id': event_id}) AS first_link
FROM (
    SELECT anonymous_id, user_id, event_ts AS linked_ts, event_id
    FROM raw.events
    WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL AND anonymous_id <> user_id
    UNION ALL
    SELECT previous_id, user_id, event_ts, event_id
    FROM raw.events
    WHERE event_type = 'alias' AND previous_id IS NOT NULL AND user_id IS NOT NULL AND previous_id <> user_id
)
GROUP BY anonymous_id, user_id;

CREATE OR REPLACE TABLE core.identity_map AS
SELECT
    anonymous_id,
    arg_min(user_id, first_link) AS user_id,
    min(first_link.ts) AS first_linked_ts,
    count(*) AS linked_user_count
FROM identity_pairs
GROUP BY anonymous_id;

-- Grain: one row per (anonymous_id, losing user_id).
CREATE OR REPLACE TABLE core.identity_conflicts AS
SELECT
    p.anonymous_id,
    m.user_id AS kept_user_id,
    p.user_id AS conflicting_user_id,
    m.first_linked_ts,
    p.first_link.ts AS conflict_first_ts
FROM identity_pairs AS p
JOIN core.identity_map AS m USING (anonymous_id)
WHERE p.user_id <> m.user_id;

DROP TABLE identity_pairs;
