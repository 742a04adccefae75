"""Core layer: identity stitching, ``core.events`` and ``core.users``."""
