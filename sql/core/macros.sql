-- Identifier normalization, defined once and used at ingest (raw email/phone never
-- reach a table: only these hashes do). NULL or blank input gives NULL, never the
-- hash of an empty string.

-- Email for Meta / TikTok / generic matching: trimmed, lower-cased.
CREATE OR REPLACE TEMP MACRO normalize_email(value) AS
    CASE WHEN nullif(trim(value), '') IS NOT NULL AND contains(trim(value), '@')
         THEN lower(trim(value)) END;

-- Google's documented normalization (Data Manager API "Format user data", which Customer
-- Match and enhanced conversions share:
-- https://developers.google.com/data-manager/api/devguides/concepts/formatting): lower-case,
-- remove all whitespace; for gmail.com / googlemail.com only, remove every '.' in the local
-- part and a '+' with everything after it (cloudy.sanfrancisco+shopping@gmail.com →
-- cloudysanfrancisco@gmail.com). Other domains keep their dots and '+tags'.
CREATE OR REPLACE TEMP MACRO normalize_email_google(value) AS
    CASE WHEN split_part(regexp_replace(normalize_email(value), '\s', '', 'g'), '@', 2) IN ('gmail.com', 'googlemail.com')
         THEN replace(split_part(split_part(regexp_replace(normalize_email(value), '\s', '', 'g'), '@', 1), '+', 1), '.', '')
              || '@' || split_part(regexp_replace(normalize_email(value), '\s', '', 'g'), '@', 2)
         ELSE regexp_replace(normalize_email(value), '\s', '', 'g') END;

-- Phone to E.164 ('+', country code, national number; at most 15 digits). Numbers written
-- with '+' or '00' keep their country code; national numbers (leading 0, e.g. 010-1234-5678)
-- get the default country calling code (→ +821012345678). A trunk '0' written after the
-- default country code (+82 010-…, a common way Korean numbers are typed) is dropped.
-- Fewer than 7 or more than 15 digits is not a phone number: NULL.
CREATE OR REPLACE TEMP MACRO _phone_e164(value, default_calling_code) AS
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

CREATE OR REPLACE TEMP MACRO normalize_phone(value, default_calling_code) AS
    CASE WHEN length(regexp_replace(
                 regexp_replace(_phone_e164(value, default_calling_code), '^\+' || default_calling_code || '0', '+' || default_calling_code),
                 '[^0-9]', '', 'g')) BETWEEN 7 AND 15
         THEN regexp_replace(_phone_e164(value, default_calling_code), '^\+' || default_calling_code || '0', '+' || default_calling_code)
    END;

CREATE OR REPLACE TEMP MACRO sha256_or_null(value) AS
    CASE WHEN nullif(value, '') IS NOT NULL THEN sha256(value) END;

-- Query-string parameter from a URL ('+' is a space in query strings).
CREATE OR REPLACE TEMP MACRO url_param(url, name) AS
    nullif(url_decode(replace(regexp_extract(url, '[?&]' || name || '=([^&#]*)', 1), '+', ' ')), '');

-- Quarantined lines are kept for debugging, but never with contact details in them.
CREATE OR REPLACE TEMP MACRO redact_pii(line) AS
    regexp_replace(
        regexp_replace(line, '"(email|phone|phone_number|phoneNumber|mobile)"\s*:\s*"[^"]*"', '"\1":"<redacted>"', 'gi'),
        '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '<redacted-email>', 'g');

-- A `Signed Up` event's method, as one spelling: SDKs and releases send 'Kakao', 'kakao '
-- or 'KAKAO' for the same login; '' is no method.
CREATE OR REPLACE TEMP MACRO signup_method_of(properties) AS
    nullif(lower(trim(json_extract_string(properties, '$.method'))), '');
