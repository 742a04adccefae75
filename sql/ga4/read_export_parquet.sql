-- Read one GA4 BigQuery export file in Parquet: one row per export row, cast by field name
-- to ga4_export_row (sql/ga4/macros.sql), so exports of any version load. `line` (the raw
-- text) is NULL: a quarantined Parquet row is kept as the JSON of its typed fields.
-- Grain: line_number (1-based row number in the file). Parameters: $path.
CREATE OR REPLACE TEMP TABLE ga4_export_lines AS
SELECT
    file_row_number + 1 AS line_number,
    NULL::VARCHAR AS line,
    try_cast(t AS ga4_export_row) AS r,
    NULL::VARCHAR AS reader_reason
FROM read_parquet($path, file_row_number = true) AS t;
