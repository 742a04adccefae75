-- Staged lines with their line numbers. A file's lines were appended together and in
-- order, so a line's number is its rowid's offset from the file's first rowid.
-- Grain: (source_file, line_number).
CREATE OR REPLACE TABLE ingest_stage.segment_files AS
SELECT source_file, min(rowid) AS first_rowid
FROM ingest_stage.segment
GROUP BY source_file;

CREATE OR REPLACE VIEW ingest_stage.segment_lines AS
SELECT s.* REPLACE (s.rowid - f.first_rowid + 1 AS line_number)
FROM ingest_stage.segment AS s
JOIN ingest_stage.segment_files AS f USING (source_file);
