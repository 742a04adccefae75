-- Audience tables. Rows for one (audience, as_of) are replaced together on every rerun;
-- other dates are kept, which is the history across runs.

-- marts.audience_members_wide — grain: one row per (audience, as_of, user_key) exported:
-- the identifiers that passed hygiene (see sql/audiences/members.sql) side by side, the
-- storage behind marts.audience_members and the files. madids: raw lower-case ad ids
-- (IDFA / AAID, never hashed); madid: the one reported most recently (else the smallest);
-- email_sha256 (trimmed, lower-cased), email_sha256_google (plus Google's gmail rules),
-- phone_sha256 (E.164 with '+'), phone_sha256_digits (E.164 without '+'), name hashes,
-- country (ISO 3166-1 alpha-2, not hashed). position 1 = highest score.
CREATE TABLE IF NOT EXISTS marts.audience_members_wide (
    audience VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    position BIGINT NOT NULL,
    user_key VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    madids VARCHAR[],
    madid VARCHAR,
    email_sha256 VARCHAR,
    email_sha256_google VARCHAR,
    phone_sha256 VARCHAR,
    phone_sha256_digits VARCHAR,
    first_name_sha256 VARCHAR,
    last_name_sha256 VARCHAR,
    country VARCHAR,
    model_version VARCHAR
);

-- marts.audience_members — grain: one row per (audience, as_of, identifier_type,
-- identifier): the contract's long form of marts.audience_members_wide. identifier_type is
-- madid or the column name of a hash / country; is_latest_ad_id marks the madid a person
-- file uses.
CREATE OR REPLACE VIEW marts.audience_members AS
SELECT audience, as_of, user_key, score, 'madid' AS identifier_type, identifier,
       identifier = madid AS is_latest_ad_id, model_version
FROM (SELECT *, unnest(madids) AS identifier FROM marts.audience_members_wide)
UNION ALL
SELECT audience, as_of, user_key, score, identifier_type, identifier, false AS is_latest_ad_id, model_version
FROM (
    SELECT audience, as_of, user_key, score, model_version, email_sha256, email_sha256_google, phone_sha256,
           phone_sha256_digits, first_name_sha256, last_name_sha256, country
    FROM marts.audience_members_wide
) UNPIVOT (identifier FOR identifier_type IN (
    email_sha256, email_sha256_google, phone_sha256, phone_sha256_digits, first_name_sha256, last_name_sha256, country
));

-- marts.audience_changes — grain: one row per (audience, as_of, user_key) that entered or
-- left since the previous export of the audience (previous_as_of).
CREATE TABLE IF NOT EXISTS marts.audience_changes (
    audience VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    previous_as_of DATE,
    user_key VARCHAR NOT NULL,
    change VARCHAR NOT NULL
);

-- marts.audience_history — grain: one row per (audience, as_of): users selected, removed per
-- reason (JSON objects reason → count; identifiers keyed "type:reason"), members exported,
-- and how many entered / left since previous_as_of (members = previous members + entered - left).
CREATE TABLE IF NOT EXISTS marts.audience_history (
    audience VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    previous_as_of DATE,
    selected_users BIGINT NOT NULL,
    members BIGINT NOT NULL,
    entered BIGINT NOT NULL,
    "left" BIGINT NOT NULL,
    users_removed JSON NOT NULL,
    identifiers_removed JSON NOT NULL,
    model_version VARCHAR,
    created_at TIMESTAMPTZ NOT NULL
);

-- marts.audience_exports — grain: one row per (audience, as_of, destination): the file
-- written (status 'written') or why none was (status 'skipped', reason).
CREATE TABLE IF NOT EXISTS marts.audience_exports (
    audience VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    destination VARCHAR NOT NULL,
    "rows" BIGINT NOT NULL,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    sha256 VARCHAR,
    file_path VARCHAR,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TEMP TABLE IF NOT EXISTS audience_selection (
    audience VARCHAR NOT NULL,
    user_key VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    is_excluded BOOLEAN NOT NULL
);

CREATE TEMP TABLE IF NOT EXISTS audience_channel_rules (
    priority INTEGER NOT NULL,
    channel VARCHAR NOT NULL,
    source_re VARCHAR NOT NULL,
    medium_re VARCHAR NOT NULL
);

CREATE TEMP TABLE IF NOT EXISTS audience_country_codes (
    name VARCHAR NOT NULL,
    code VARCHAR NOT NULL
);
