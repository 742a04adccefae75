-- Tables fed by the GA4 Data API (pipelines/ga4/data_api.py). Values as GA reports them:
-- `date` is a date in the GA4 property's time zone; dimension values such as "(direct)",
-- "(none)", "(not set)" are kept verbatim.

-- Grain: (property_id, date, session_source, session_medium, session_campaign_name).
CREATE TABLE IF NOT EXISTS raw.ga4_traffic (
    property_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    session_source VARCHAR,
    session_medium VARCHAR,
    session_campaign_name VARCHAR,
    active_users BIGINT,
    new_users BIGINT,
    sessions BIGINT,
    key_events DOUBLE,
    total_revenue DOUBLE,
    fetched_at TIMESTAMPTZ NOT NULL
);

-- Grain: (property_id, date). active_Nday_users = users active in the N days ending on date.
CREATE TABLE IF NOT EXISTS raw.ga4_active_users (
    property_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    active_1day_users BIGINT,
    active_7day_users BIGINT,
    active_28day_users BIGINT,
    fetched_at TIMESTAMPTZ NOT NULL
);

-- One row per fetch of one report: the incremental cursor (max end_date per report).
CREATE TABLE IF NOT EXISTS ops.ga4_fetch_log (
    report VARCHAR NOT NULL,
    property_id VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    rows_fetched BIGINT NOT NULL,
    pages BIGINT NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL
);
