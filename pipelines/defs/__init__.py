"""One sub-package per domain, each exposing ``defs``; ``pipelines.definitions`` merges them."""
