import argparse
import shutil
from pathlib import Path

from pipelines.cli.generate import add_generate_arguments, start_date
from pipelines.ga4.demo_export import write_demo_export
from pipelines.runner import materialize_pipeline
from pipelines.settings import load_settings
from pipelines.summary import outputs_summary, warehouse_summary

REPO_ROOT = Path(__file__).resolve().parents[2]


def demo(args) -> int:
    """Generate demo data, materialize every asset, print what came out."""
    from pipelines.generate import generate_demo

    settings = load_settings()
    if args.fresh and settings.home.exists():
        shutil.rmtree(settings.home)
    start = start_date(args, settings.today())
    report = generate_demo(
        settings.events_dir,
        users=args.users,
        days=args.days,
        seed=args.seed,
        start=start,
        timezone=settings.timezone,
    )
    print(
        f"generated {report.events:,} events for {report.users:,} people ({start} + {args.days} days)"
    )
    ga4_file = write_demo_export(settings, start=start, days=args.days, seed=args.seed)
    print(f"wrote a GA4 BigQuery-export file for the same web visitors: {ga4_file}")
    summary = materialize_pipeline(settings)
    print(f"materialized {len(set(summary.materialized))} assets")
    print("\n".join(warehouse_summary(settings) + outputs_summary(settings, REPO_ROOT)))
    if summary.warnings:
        print("checks with warnings: " + ", ".join(summary.warnings))
    if summary.failed_checks:
        print("FAILED CHECKS: " + ", ".join(summary.failed_checks))
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="generate demo data and run the whole pipeline end to end"
    )
    add_generate_arguments(parser, users=20_000, days=180)
    parser.add_argument(
        "--fresh",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start from an empty $RETAINLY_HOME (default: yes)",
    )
    parser.set_defaults(func=demo)
