-- Warehouse layout: raw (as ingested), core (stitched), marts (metrics), ops (bookkeeping).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS ops;

-- One row per distinct ingested event, before identity stitching. Grain: event_id.
-- core.events is this table plus user_key.
CREATE TABLE IF NOT EXISTS raw.events (
    event_id VARCHAR NOT NULL,
    event_name VARCHAR,
    event_type VARCHAR NOT NULL,
    event_ts TIMESTAMPTZ NOT NULL,
    event_date DATE NOT NULL,
    user_id VARCHAR,
    anonymous_id VARCHAR,
    previous_id VARCHAR,
    source VARCHAR NOT NULL,
    utm_source VARCHAR,
    utm_medium VARCHAR,
    utm_campaign VARCHAR,
    utm_content VARCHAR,
    utm_term VARCHAR,
    gclid VARCHAR,
    fbclid VARCHAR,
    referrer VARCHAR,
    page_url VARCHAR,
    platform VARCHAR,
    os_name VARCHAR,
    country VARCHAR,
    advertising_id VARCHAR,
    ad_tracking_enabled BOOLEAN,
    consent_ad_user_data BOOLEAN,
    consent_ad_personalization BOOLEAN,
    email_sha256 VARCHAR,
    email_sha256_google VARCHAR,
    phone_sha256 VARCHAR,
    phone_sha256_digits VARCHAR,
    first_name_sha256 VARCHAR,
    last_name_sha256 VARCHAR,
    properties JSON,
    source_file VARCHAR NOT NULL,
    line_number BIGINT,
    ingested_at TIMESTAMPTZ NOT NULL
);

-- The salt of core.events / core.users user_uid = hash(user_key || salt): '' (no row) until
-- two users' keys once hashed to the same 64-bit id; then the first salt ('#1', '#2', …)
-- under which none do, kept so every later build of core.events uses it too.
CREATE TABLE IF NOT EXISTS ops.user_uid_salt (
    salt VARCHAR NOT NULL,
    chosen_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS ops.quarantine (
    source_file VARCHAR NOT NULL,
    line_number BIGINT,
    raw VARCHAR,
    reason VARCHAR NOT NULL,
    quarantined_at TIMESTAMPTZ NOT NULL
);

-- One row per ingested file (latest load replaces the previous one).
-- Invariant: lines_loaded + duplicates + quarantined = lines_read.
CREATE TABLE IF NOT EXISTS ops.load_log (
    source_file VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    partition_key VARCHAR,
    file_size BIGINT,
    file_mtime TIMESTAMPTZ,
    lines_read BIGINT NOT NULL,
    lines_loaded BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL,
    -- RETAINLY_TIMEZONE when the file was loaded: its events' local dates are in that zone.
    timezone VARCHAR
);
-- Warehouses created before the column existed.
ALTER TABLE ops.load_log ADD COLUMN IF NOT EXISTS timezone VARCHAR;
