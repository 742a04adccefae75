-- Dagster's run, event-log and schedule storage lives next to the serving schema.
CREATE DATABASE dagster OWNER retainly;
