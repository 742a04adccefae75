-- core.channel_map — grain: one row per channel rule (rule_order), copied from the
-- `channels:` section of retainly.yaml on every run (edit the rules there). A source/medium
-- pair gets the channel of the first rule (lowest rule_order) whose source_regex and
-- medium_regex both match the whole value, case-insensitively; a missing value is
-- matched as ''. Nothing matches → 'Other'. Python twin: Definitions.channel_for.
CREATE OR REPLACE TABLE core.channel_map (
    rule_order INTEGER NOT NULL PRIMARY KEY,
    channel VARCHAR NOT NULL,
    source_regex VARCHAR NOT NULL,
    medium_regex VARCHAR NOT NULL
);
