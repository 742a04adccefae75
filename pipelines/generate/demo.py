"""``generate_demo``: the run, day by day, in parallel worker processes.

Days are independent given the population, so workers take days in any order while
the parent consumes results in day order: every late line destined for day d comes
from an earlier day, so when day d's result arrives its spill-ins are all known, get
appended to its temp file, and the file is published with one ``os.replace``.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import multiprocessing as mp
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from pipelines.generate.day import DayResult, DayWriter, RunConfig
from pipelines.generate.noise import BAD_KINDS, NoiseRates
from pipelines.generate.population import PopulationParams
from pipelines.generate.report import FileStats, GenerateReport
from pipelines.generate.writer import finish_gzip, publish, temp_path

# Below this many person-days a single process is faster than starting workers.
PARALLEL_MIN_PERSON_DAYS = 1_000_000

_WORKER: DayWriter | None = None


def _keep_freed_memory() -> None:
    """Worker processes only: let glibc reuse freed heap memory instead of returning every
    large block to the OS. Each day allocates and frees the same large arrays; without
    this, re-faulting them costs ~10% of the run's CPU time. No-op off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-4, 0)  # M_MMAP_MAX: serve large blocks from the heap
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep up to 1 GiB of freed heap
    except (OSError, AttributeError):
        pass


def _init_worker(config: RunConfig) -> None:
    global _WORKER
    _keep_freed_memory()
    _WORKER = DayWriter(config)  # draws the population from the seed (1.7 s at 2M users)


def _run_day(day: int) -> DayResult:
    assert _WORKER is not None, "worker not initialized"
    return _WORKER.run(day)


def _default_workers(users: int, days: int) -> int:
    if users * days < PARALLEL_MIN_PERSON_DAYS:
        return 1
    cpus = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
    return max(1, min(cpus, days))


def _results(config: RunConfig, workers: int) -> Iterator[DayResult]:
    if workers == 1:
        writer = DayWriter(config)
        try:
            for day in range(config.days):
                yield writer.run(day)
        finally:
            writer.close()
        return
    # Workers start from a fresh process (forkserver, else spawn), never as forks of this
    # one: a fork of a process with other threads running (DuckDB's, a test runner's,
    # Dagster's) can deadlock in the child on a lock one of them held (seen in CI).
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    with mp.get_context(method).Pool(workers, initializer=_init_worker, initargs=(config,)) as pool:
        yield from pool.imap(_run_day, range(config.days), chunksize=1)


def generate_demo(
    out_dir: Path,
    users: int,
    days: int,
    seed: int,
    start: dt.date,
    timezone: str = "Asia/Seoul",
    *,
    rates: NoiseRates | None = None,
    params: PopulationParams | None = None,
    workers: int | None = None,
    compresslevel: int = 1,
) -> GenerateReport:
    """Write ``out_dir/YYYY-MM-DD.jsonl.gz``, one Segment-spec file per local day.

    The same (users, days, seed, start, timezone, rates, params) give byte-identical
    files whatever ``workers`` is. Files appear atomically (``*.tmp`` + rename).
    """
    if users < 1 or days < 1:
        raise ValueError("users and days must be positive")
    began = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = RunConfig(
        out_dir=out_dir,
        users=users,
        days=days,
        seed=seed,
        start=start,
        timezone=timezone,
        rates=rates or NoiseRates(),
        params=params,
        compresslevel=compresslevel,
    )
    workers = workers or _default_workers(users, days)
    report = GenerateReport(
        files=[],
        events=0,
        users=users,
        signups=0,
        paid=0,
        seconds=0.0,
        workers=workers,
        start=start,
        days=days,
        timezone=timezone,
        seed=seed,
    )
    assembler = _Assembler(config, report)
    try:
        for result in _results(config, workers):
            assembler.publish(result)
    finally:  # a failed run leaves no half-written files behind
        for day in set(range(days)) - assembler.published:
            temp_path(config.path(day)).unlink(missing_ok=True)
    report.seconds = time.perf_counter() - began
    return report


class _Assembler:
    """Finishes and publishes day files in day order, carrying late lines forward and
    keeping the report's books (every line of every file is accounted for)."""

    def __init__(self, config: RunConfig, report: GenerateReport) -> None:
        self.config = config
        self.report = report
        self.pending: dict[int, list[bytes]] = defaultdict(list)  # day -> late lines for it
        self.late_in: Counter[int] = Counter()
        self.retries_in: Counter[int] = Counter()
        self.published: set[int] = set()

    def publish(self, result: DayResult) -> None:
        config, report, day = self.config, self.report, result.day
        for target, text in result.spill.items():
            self.pending[target].append(text)
        self.late_in.update(result.late_out)
        self.retries_in[day + 1] += result.next_day_duplicates
        finish_gzip(result.part, b"".join(self.pending.pop(day, [])), config.compresslevel)
        path = publish(result.part.path, config.path(day))
        self.published.add(day)

        kinds = Counter(BAD_KINDS[k] for k in result.bad_kinds)
        late, retries = self.late_in[day], self.retries_in[day]
        stats = FileStats(
            path=path,
            date=config.date(day),
            lines=result.events + late + result.duplicates + retries + len(result.bad_kinds),
            events=result.events,
            late_events=late,
            duplicates=result.duplicates + retries,
            bad_lines=len(result.bad_kinds),
            bad_line_kinds={k: kinds[k] for k in BAD_KINDS if kinds[k]},
            bytes=path.stat().st_size,
        )
        report.file_stats.append(stats)
        report.files.append(path)
        report.events += result.events + late
        report.lines += stats.lines
        report.duplicates += stats.duplicates
        report.next_day_duplicates += retries
        report.late_events += late
        report.bad_lines += stats.bad_lines
        for kind, count in kinds.items():
            report.bad_line_kinds[kind] = report.bad_line_kinds.get(kind, 0) + count
        report.signups += result.signups
        report.paid += result.subscriptions
        report.renewals += result.renewals
        report.revenue_krw += result.revenue_krw
        report.active_person_days += result.active_people
        report.bytes_written += stats.bytes
