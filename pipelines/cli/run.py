import datetime as dt

from pipelines.runner import RunSummary, materialize_pipeline
from pipelines.settings import load_settings


def run(args) -> int:
    return report(materialize_pipeline(load_settings(), select=args.select, as_of=args.as_of))


def report(summary: RunSummary) -> int:
    """Print what ran; exit code 1 when a step or a blocking check failed."""
    if summary.partition_range:
        print(f"ingested partitions {summary.partition_range[0]} .. {summary.partition_range[1]}")
    print(f"materialized {len(set(summary.materialized))} assets")
    if summary.warnings:
        print("checks with warnings: " + ", ".join(summary.warnings))
        for name, description in summary.warning_descriptions.items():
            print(f"  {name}: {description}")
    if summary.failed_checks:
        print("failed checks: " + ", ".join(summary.failed_checks))
    for step, message in summary.failed_steps:
        print(f"failed: {step}: {message}")
    if summary.failed and summary.not_materialized:
        print("not materialized: " + ", ".join(summary.not_materialized))
    return 1 if summary.failed else 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="materialize assets in-process (same definitions as the UI)"
    )
    parser.add_argument(
        "--select", default=None, help='Dagster asset selection, e.g. "key:marts/*" (default: all)'
    )
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=None, help="ingest files up to this day"
    )
    parser.set_defaults(func=run)
