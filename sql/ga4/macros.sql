-- Helpers for the GA4 export staging model (temporary: loaded by pipelines.ga4.export).

-- GA's placeholder values ("(direct)", "(none)", "(not set)", "(data deleted)", "<Other>",
-- "(referral)", …) carry no source information: NULL, like a Segment visit without UTM.
CREATE OR REPLACE TEMP MACRO ga4_clean(value) AS
    CASE WHEN nullif(trim(value), '') IS NULL OR regexp_full_match(trim(value), '\(.*\)|<.*>') THEN NULL
         ELSE trim(value) END;

-- The export fields the mapping reads. Both readers cast each row to this type by field
-- name: a field missing from the file (older or newer export versions) or of another
-- shape becomes NULL instead of failing the file.
DROP TYPE IF EXISTS ga4_export_row;

CREATE TEMP TYPE ga4_export_row AS STRUCT(
    event_date VARCHAR,
    event_timestamp VARCHAR,
    event_name VARCHAR,
    event_params STRUCT(
        "key" VARCHAR,
        "value" STRUCT(string_value VARCHAR, int_value VARCHAR, float_value DOUBLE, double_value DOUBLE)
    )[],
    event_bundle_sequence_id VARCHAR,
    batch_event_index VARCHAR,
    batch_ordering_id VARCHAR,
    event_value_in_usd VARCHAR,
    user_id VARCHAR,
    user_pseudo_id VARCHAR,
    user_first_touch_timestamp VARCHAR,
    stream_id VARCHAR,
    platform VARCHAR,
    privacy_info STRUCT(ads_storage VARCHAR),
    device STRUCT(
        category VARCHAR, operating_system VARCHAR, advertising_id VARCHAR,
        is_limited_ad_tracking VARCHAR, web_info STRUCT(browser VARCHAR)
    ),
    geo STRUCT(country VARCHAR),
    traffic_source STRUCT("source" VARCHAR, medium VARCHAR, "name" VARCHAR),
    collected_traffic_source STRUCT(
        manual_source VARCHAR, manual_medium VARCHAR, manual_campaign_name VARCHAR,
        manual_term VARCHAR, manual_content VARCHAR, gclid VARCHAR, dclid VARCHAR
    ),
    ecommerce STRUCT(purchase_revenue VARCHAR, transaction_id VARCHAR)
);
