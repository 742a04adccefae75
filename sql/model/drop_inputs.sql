-- Drop the activity model's temp tables on this connection: before new inputs are built
-- (CREATE OR REPLACE would hold the old and the new tables at once, and under the DuckDB
-- memory cap the old ones push the new aggregates to disk), and when a training or
-- scoring run is done with them (a training run followed by scoring on one connection
-- would otherwise keep ~1 GB of training inputs in memory while scoring).
DROP VIEW IF EXISTS temp.model_feature_base;
DROP TABLE IF EXISTS temp.model_population;
DROP TABLE IF EXISTS temp.model_user_days;
DROP TABLE IF EXISTS temp.model_user_milestones;
DROP TABLE IF EXISTS temp.model_plan_events;
DROP TABLE IF EXISTS temp.model_channel_map;
