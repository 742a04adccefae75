-- Lines a landing file's rewrite replaced by a placeholder (pipelines/ingest/readable.py:
-- not UTF-8, too long, a NUL byte) take their own reason and text. A file's rows are
-- staged together and in order, so line n is the row at the file's first rowid + n - 1.
-- Grain: one update per row of rejected_lines(line_number, reason, text).
-- Parameters: $source_file.
UPDATE ingest_stage.segment AS s
SET reason = r.reason, raw_line = redact_pii(r.text)
FROM rejected_lines AS r,
    (SELECT min(rowid) AS first_rowid FROM ingest_stage.segment WHERE source_file = $source_file) AS f
WHERE s.source_file = $source_file
    AND s.rowid = f.first_rowid + r.line_number - 1;
