-- The raw Segment lines a GA4 web tag could have seen, before parsing: page calls and
-- events sent from a browser (Segment's analytics.js library, or carrying context.page).
-- A cheap text filter, so only these lines are parsed; core/stage_segment_file then parses
-- them and the export keeps the ones on the web platform.
-- Grain: one input line. Parameters: $paths (landing files).
CREATE OR REPLACE TEMP TABLE demo_web_lines AS
SELECT line
FROM read_csv($paths, columns = {'line': 'VARCHAR'}, delim = chr(0), quote = '', escape = '',
              header = false, auto_detect = false, strict_mode = false)
WHERE regexp_matches(line, '"type"\s*:\s*"page"')
   OR contains(line, '"analytics.js"')
   OR regexp_matches(line, '"page"\s*:\s*\{');
