import argparse
import datetime as dt

from pipelines.settings import Settings, load_settings


def add_generate_arguments(parser: argparse.ArgumentParser, users: int, days: int) -> None:
    parser.add_argument(
        "--users", type=int, default=users, help=f"people in the population (default {users})"
    )
    parser.add_argument("--days", type=int, default=days, help=f"days of activity (default {days})")
    parser.add_argument("--seed", type=int, default=7, help="random seed: same seed, same files")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=None,
        help="first local day (default: so that the last day is yesterday)",
    )


def start_date(args: argparse.Namespace, today: dt.date) -> dt.date:
    return args.start or today - dt.timedelta(days=args.days)


def generate_landing_files(args: argparse.Namespace, settings: Settings) -> dt.date:
    """Write the demo event files the arguments ask for; returns the first day."""
    from pipelines.generate import generate_demo

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
        f"wrote {report.events:,} events from {report.users:,} people ({start} + {args.days} days) "
        f"in {len(report.files)} files to {settings.events_dir} ({report.seconds:.1f}s)"
    )
    return start


def generate(args: argparse.Namespace) -> int:
    generate_landing_files(args, load_settings())
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("generate", help="write demo event logs into the landing dir")
    add_generate_arguments(parser, users=20_000, days=180)
    parser.set_defaults(func=generate)
