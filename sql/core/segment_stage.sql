-- The stage Segment files are parsed into before publishing: an in-memory database, so
-- nothing staged is ever written to the warehouse file. Same columns as raw.events plus
-- the line's classification; rebuilt empty for every batch.
ATTACH IF NOT EXISTS ':memory:' AS ingest_stage;

CREATE OR REPLACE TABLE ingest_stage.segment AS
SELECT
    * EXCLUDE (ingested_at),
    NULL::BIGINT AS line_bytes,
    NULL::VARCHAR AS reason,
    NULL::VARCHAR AS raw_line
FROM raw.events
LIMIT 0;
