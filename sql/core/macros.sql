-- Identifier normalization, defined once and used at ingest (raw email/phone never
-- reach a table: only these hashes do). NULL or blank input gives NULL, never the
-- hash of an empty string.

-- Email for Meta / TikTok / generic matching: trimmed, lower-cased.
CREATE OR REPLACE MACRO normalize_email(value) AS
    CASE WHEN nullif(trim(value), '') IS NOT NULL AND contains(trim(value), '@')
         THEN lower(trim(value)) END;

-- Google's documented extra step (Customer Match / enhanced conversions): remove
-- every '.' before the domain of gmail.com and googlemail.com addresses.
CREATE OR REPLACE MACRO normalize_email_google(value) AS
    CASE WHEN split_part(normalize_email(value), '@', 2) IN ('gmail.com', 'googlemail.com')
         THEN replace(split_part(normalize_email(value), '@', 1), '.', '') || '@'
              || split_part(normalize_email(value), '@', 2)
         ELSE normalize_email(value) END;

-- Phone to E.164. Numbers written with '+' keep their country code; national numbers
-- (leading 0, e.g. 010-1234-5678) get the default country calling code.
CREATE OR REPLACE MACRO normalize_phone(value, default_calling_code) AS
    CASE
        WHEN length(regexp_replace(coalesce(value, ''), '[^0-9]', '', 'g')) < 7 THEN NULL
        WHEN starts_with(trim(value), '+') OR starts_with(trim(value), '00')
            THEN '+' || ltrim(regexp_replace(value, '[^0-9]', '', 'g'), '0')
        WHEN starts_with(regexp_replace(value, '[^0-9]', '', 'g'), '0')
            THEN '+' || default_calling_code || ltrim(regexp_replace(value, '[^0-9]', '', 'g'), '0')
        WHEN starts_with(regexp_replace(value, '[^0-9]', '', 'g'), default_calling_code)
            THEN '+' || regexp_replace(value, '[^0-9]', '', 'g')
        ELSE '+' || default_calling_code || regexp_replace(value, '[^0-9]', '', 'g')
    END;

CREATE OR REPLACE MACRO sha256_or_null(value) AS
    CASE WHEN nullif(value, '') IS NOT NULL THEN sha256(value) END;

-- Query-string parameter from a URL ('+' is a space in query strings).
CREATE OR REPLACE MACRO url_param(url, name) AS
    nullif(url_decode(replace(regexp_extract(url, '[?&]' || name || '=([^&#]*)', 1), '+', ' ')), '');

-- Quarantined lines are kept for debugging, but never with contact details in them.
CREATE OR REPLACE MACRO redact_pii(line) AS
    regexp_replace(
        regexp_replace(line, '"(email|phone|phone_number|phoneNumber|mobile)"\s*:\s*"[^"]*"', '"\1":"<redacted>"', 'gi'),
        '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '<redacted-email>', 'g');
