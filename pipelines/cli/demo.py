import argparse
import shutil
from pathlib import Path

from pipelines.cli.generate import add_generate_arguments, generate_landing_files
from pipelines.cli.run import report
from pipelines.ga4.demo_export import write_demo_export
from pipelines.runner import materialize_pipeline
from pipelines.settings import load_settings
from pipelines.summary import outputs_summary, warehouse_summary

REPO_ROOT = Path(__file__).resolve().parents[2]


def demo(args) -> int:
    """Generate demo data, materialize every asset, print what came out."""
    settings = load_settings()
    if args.fresh and settings.home.exists():
        shutil.rmtree(settings.home)
    start = generate_landing_files(args, settings)
    ga4_file = write_demo_export(settings, start=start, days=args.days, seed=args.seed)
    print(f"wrote a GA4 BigQuery-export file for the same web visitors: {ga4_file}")
    summary = materialize_pipeline(settings)
    print("\n".join(warehouse_summary(settings) + outputs_summary(settings, REPO_ROOT)))
    return report(summary)


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
