"""Demo data generator: a realistic population of a Korean AI paper-summarization
SaaS, written as Segment-spec JSONL landing files (one gzip file per local day).

Pure Python + numpy + DuckDB (no Dagster), vectorized per day so that 2M people ×
365 days (~100M events) take minutes. See ``generate_demo``.
"""

from pipelines.generate.demo import generate_demo
from pipelines.generate.noise import NoiseRates
from pipelines.generate.population import PopulationParams, build_population
from pipelines.generate.report import FileStats, GenerateReport

__all__ = [
    "FileStats",
    "GenerateReport",
    "NoiseRates",
    "PopulationParams",
    "build_population",
    "generate_demo",
]
