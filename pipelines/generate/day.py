"""One day's job: simulate, plan delivery, render, write the day's temp file.

A ``DayWriter`` owns a single-threaded DuckDB connection (the unit of parallelism is
a day, one per worker process) and returns a ``DayResult``: the temp file it wrote,
the lines other days' files must carry (late events, next-day retries) and counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa

from pipelines.generate import catalog as cat
from pipelines.generate.activity import simulate_day
from pipelines.generate.clock import day_clock
from pipelines.generate.noise import NoiseRates, bad_line, plan_delivery
from pipelines.generate.population import Population, PopulationParams, build_population
from pipelines.generate.render import event_sql, event_table
from pipelines.generate.writer import (
    OpenGzip,
    file_name,
    rows_text,
    split_rows,
    temp_path,
    write_lines,
)

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines the output bytes (plus where they go)."""

    out_dir: Path
    users: int
    days: int
    seed: int
    start: dt.date
    timezone: str
    rates: NoiseRates = NoiseRates()
    params: PopulationParams | None = None
    compresslevel: int = 1

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def path(self, day: int) -> Path:
        return self.out_dir / file_name(self.date(day).isoformat())

    def population(self) -> Population:
        return build_population(self.users, self.days, self.seed, self.start, self.params)


def day_seed(seed: int, day: int) -> np.random.SeedSequence:
    """Child ``day + 1`` of ``SeedSequence(seed)`` (child 0 draws the population)."""
    return np.random.SeedSequence(seed, spawn_key=(day + 1,))


@dataclass
class DayResult:
    day: int
    part: OpenGzip  # the day's temp file, still to be finished with late lines
    events: int  # distinct valid events written to the day's own file
    duplicates: int  # retry copies written to the day's own file
    bad_kinds: list[int]
    late_out: dict[int, int]  # later day -> late events sent there
    next_day_duplicates: int
    spill: dict[int, bytes] = field(default_factory=dict)  # later day -> lines
    active_people: int = 0
    signups: int = 0
    subscriptions: int = 0
    renewals: int = 0
    revenue_krw: int = 0


class DayWriter:
    """Writes days of one run; one instance per process."""

    def __init__(self, config: RunConfig, population: Population | None = None) -> None:
        self.config = config
        self.population = population if population is not None else config.population()
        self.tz = ZoneInfo(config.timezone)
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("SET threads = 1")  # parallelism is one day per process
        self.con.execute("SET preserve_insertion_order = true")  # lines keep the row order

    def close(self) -> None:
        self.con.close()

    def _render(self, table: pa.Table, sql: str) -> Iterator[pa.Array]:
        """JSON lines (newline-terminated) for the rows of ``table``, in row order."""
        self.con.register("ev", table)
        try:
            for batch in self.con.sql(sql).to_arrow_reader(BATCH_ROWS):
                yield batch.column(0)
        finally:
            self.con.unregister("ev")

    def run(self, day: int) -> DayResult:
        config, pop = self.config, self.population
        clock = day_clock(config.date(day), self.tz)
        rng = np.random.default_rng(day_seed(config.seed, day))
        events = simulate_day(pop, day, rng, clock)
        delivery = plan_delivery(events, rng, day, config.days, clock.start_ms, config.rates)
        sql = event_sql(clock.suffixes)

        # One rendering pass: the day's own rows first, then the rows other files get.
        targets = sorted(delivery.spill)
        order = np.concatenate([delivery.main, *(delivery.spill[t] for t in targets)])
        table = event_table(events.take(order), delivery.sent[order], pop, clock, config.timezone)
        own, rest = split_rows(self._render(table, sql), len(delivery.main))

        final = config.path(day)
        temp = temp_path(final)
        bad = dict(delivery.bad_lines)
        part = write_lines(
            temp,
            own,
            config.compresslevel,
            extra_after=bad.keys(),
            on_line=lambda i, text: [bad_line(text, bad[i], rng)],
        )
        spill = dict(
            zip(targets, rows_text(rest, [len(delivery.spill[t]) for t in targets]), strict=True)
        )

        kind = events.kind
        prices = np.array([p.price_krw for p in cat.PLANS])
        paying = (kind == cat.KIND["Subscription Started"]) | (kind == cat.KIND["Order Completed"])
        same_day_duplicates = part.rows - (len(events) - delivery.late)
        return DayResult(
            day=day,
            part=part,
            events=len(events) - delivery.late,
            duplicates=same_day_duplicates,
            bad_kinds=[bad[i] for i in sorted(bad)],
            late_out=delivery.late_to,
            next_day_duplicates=delivery.next_day_duplicates,
            spill=spill,
            active_people=events.active_people,
            signups=int(np.count_nonzero(kind == cat.KIND["Signed Up"])),
            subscriptions=int(np.count_nonzero(kind == cat.KIND["Subscription Started"])),
            renewals=int(np.count_nonzero(kind == cat.KIND["Order Completed"])),
            revenue_krw=int(prices[pop.plan[events.person[paying]]].sum()),
        )
