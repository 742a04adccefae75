-- channel_of(source, medium): the channel of the first core.channel_map rule matching both
-- values (see core/channel_map); 'Other' when none does. Apply it to distinct pairs.
CREATE OR REPLACE TEMP MACRO channel_of(src, med) AS coalesce((
    SELECT arg_min(m.channel, m.rule_order)
    FROM core.channel_map AS m
    WHERE regexp_full_match(coalesce(src, ''), m.source_regex, 'i')
      AND regexp_full_match(coalesce(med, ''), m.medium_regex, 'i')
), 'Other');
