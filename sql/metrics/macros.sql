-- Calendar buckets shared by every metrics model. `grain` is 'day', 'week' or 'month';
-- `ws` is the first weekday of a week (0 = Monday … 6 = Sunday, RETAINLY_WEEK_START);
-- dates are local dates in the reporting zone. Months are calendar months.
CREATE OR REPLACE TEMP MACRO week_start_of(d, ws) AS
    (d - CAST((isodow(d) - 1 - ws + 7) % 7 AS INTEGER))::DATE;

-- Running week / month numbers (differences are offsets in weeks / months). A week
-- number is floor((days since Monday 1970-01-05 - ws) / 7): the week starting on weekday ws
-- that holds d. The constant keeps the dividend positive (integer // truncates) for every
-- date after the year 53; arithmetic only, no weekday lookup (the marts compute it for
-- every user-day).
CREATE OR REPLACE TEMP MACRO week_index(d, ws) AS
    (d - DATE '1970-01-05' - ws + 700000) // 7 - 100000;

CREATE OR REPLACE TEMP MACRO month_index(d) AS
    year(d) * 12 + month(d) - 1;

-- The first day of week / month number i (inverses of week_index and month_index).
CREATE OR REPLACE TEMP MACRO week_start_of_index(i, ws) AS
    (DATE '1970-01-05' + CAST(i * 7 + ws AS INTEGER))::DATE;

CREATE OR REPLACE TEMP MACRO month_start_of_index(i) AS
    make_date(CAST(i // 12 AS INTEGER), CAST(i % 12 + 1 AS INTEGER), 1);

CREATE OR REPLACE TEMP MACRO period_start_of(grain, d, ws) AS
    CASE grain
        WHEN 'day' THEN d::DATE
        WHEN 'week' THEN week_start_of(d, ws)
        ELSE date_trunc('month', d)::DATE
    END;

-- The start of the period k periods after the period starting on `start`.
CREATE OR REPLACE TEMP MACRO period_add(grain, start, k) AS
    CASE grain
        WHEN 'day' THEN (start + CAST(k AS INTEGER))::DATE
        WHEN 'week' THEN (start + CAST(7 * k AS INTEGER))::DATE
        ELSE (start + to_months(CAST(k AS INTEGER)))::DATE
    END;

-- The last day of the period starting on `start`.
CREATE OR REPLACE TEMP MACRO period_end_of(grain, start) AS
    (period_add(grain, start, 1) - 1)::DATE;

-- A running period number: differences are offsets in periods.
CREATE OR REPLACE TEMP MACRO period_index(grain, d, ws) AS
    CASE grain
        WHEN 'day' THEN d::DATE - DATE '1970-01-01'
        WHEN 'week' THEN week_index(d, ws)
        ELSE month_index(d)
    END;
