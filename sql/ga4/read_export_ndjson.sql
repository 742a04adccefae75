-- Read one GA4 BigQuery export file in newline-delimited JSON (optionally gzipped), the
-- format of `bq extract --destination_format NEWLINE_DELIMITED_JSON`; one row per line,
-- parsed once into ga4_export_row (sql/ga4/macros.sql; NULL when the line is not JSON).
-- `reader_reason` is set (pipelines/ga4/export.py) for a line that DuckDB's reader cannot
-- take and that was rewritten as a placeholder (pipelines/ingest/readable.py).
-- Grain: line_number. Parameters: $path, $max_line_bytes.
CREATE OR REPLACE TEMP TABLE ga4_export_lines AS
SELECT
    line_number,
    coalesce(line, '') AS line,
    CASE WHEN starts_with(ltrim(line), '{') THEN try_cast(try_cast(line AS JSON) AS ga4_export_row) END AS r,
    NULL::VARCHAR AS reader_reason
FROM (
    SELECT row_number() OVER () AS line_number, line
    FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = chr(0), quote = '', escape = '',
                  header = false, auto_detect = false, strict_mode = false,
                  max_line_size = $max_line_bytes)
);
