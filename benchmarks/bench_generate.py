"""Time the demo data generator at scale.

    python benchmarks/bench_generate.py --users 200000 --days 365

Prints events, seconds, events/s, bytes and peak RSS (this process and its worker
processes, via ``resource.getrusage``). Output goes to a temporary directory that is
deleted afterwards unless ``--out`` is given. Target: 2,000,000 × 365 (~100M events)
in ≤ 10 minutes on 2 cores with ≤ 4 GB peak RSS per process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.generate import generate_demo  # noqa: E402


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 1, 6))
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: one per core)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="keep the files here (default: temp dir, deleted)"
    )
    args = parser.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="retainly-bench-"))
    cpu_before = time.process_time()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        report = generate_demo(
            out / "landing" / "events",
            users=args.users,
            days=args.days,
            seed=args.seed,
            start=args.start,
            workers=args.workers,
        )
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu_before
    cpu += (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    print(f"users          {args.users:,} x {args.days} days ({report.workers} workers)")
    print(
        f"events         {report.events:,} ({report.events_per_user_day:.3f} per user-day; {report.lines:,} lines)"
    )
    print(f"seconds        {report.seconds:.1f}")
    print(f"events/s       {report.events / report.seconds:,.0f}")
    print(f"cpu seconds    {cpu:.1f} ({cpu / max(report.events, 1) * 1e6:.2f} us/event)")
    print(
        f"bytes          {report.bytes_written / 1e9:.2f} GB gzip ({report.bytes_written / max(report.lines, 1):.0f} B/line)"
    )
    print(
        f"peak RSS       {peak_rss_mb(resource.RUSAGE_SELF):,.0f} MB main, {peak_rss_mb(resource.RUSAGE_CHILDREN):,.0f} MB largest worker"
    )
    print(
        f"noise          {report.duplicates:,} duplicates, {report.late_events:,} late, {report.bad_lines:,} bad lines"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
