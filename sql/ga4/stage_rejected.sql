-- Lines of an NDJSON export file that its rewrite replaced by a placeholder
-- (pipelines/ingest/readable.py: not UTF-8, too long, a NUL byte) take their own text and
-- reason, which stage_export_file.sql quarantines them with.
-- Grain: one update per row of rejected_lines(line_number, reason, text).
UPDATE ga4_export_lines AS l
SET line = x.text, r = NULL, reader_reason = x.reason
FROM rejected_lines AS x
WHERE l.line_number = x.line_number;
