"""Ingestion: landing files → ``raw.events`` with a load log and a quarantine."""
