"""Publishing staged landing files into ``raw.events``: the step every source shares.

A source stages files into a table (one row per input line: ``source_file``,
``line_number``, ``reason`` NULL for a loadable event, ``raw_line`` for a quarantined one,
and the ``raw.events`` columns); this module replaces everything earlier loads of the same
files wrote, in one transaction, so reruns are idempotent and a failure changes nothing.
Duplicates are found on ``event_id`` within the batch and against events already loaded
from other files on the same local dates (a retried event keeps its timestamp, hence its
date); the first file to load an event keeps it, in the batch's file order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import duckdb

from pipelines.warehouse import column_exists, transaction

EVENT_COLUMNS = """event_id, event_name, event_type, event_ts, event_date, user_id, anonymous_id,
    previous_id, source, utm_source, utm_medium, utm_campaign, utm_content, utm_term, gclid, fbclid,
    referrer, page_url, platform, os_name, country, advertising_id, ad_tracking_enabled,
    consent_ad_user_data, consent_ad_personalization, email_sha256, email_sha256_google,
    phone_sha256, phone_sha256_digits, first_name_sha256, last_name_sha256, properties,
    source_file, line_number"""

# Stage tables are identifiers, so they come from this fixed set, never from input.
STAGE_TABLES = frozenset({"ingest_stage.segment_lines", "ga4_stage"})


@dataclass(frozen=True)
class LoadResult:
    source_file: str
    lines_read: int
    lines_loaded: int
    duplicates: int
    quarantined: int

    @property
    def balanced(self) -> bool:
        return self.lines_loaded + self.duplicates + self.quarantined == self.lines_read

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


@dataclass(frozen=True)
class StagedFile:
    source_file: str
    partition_key: str | None
    size: int
    mtime: float


def replace_file_rows(
    conn: duckdb.DuckDBPyConnection,
    stage: str,
    source: str,
    files: list[StagedFile],
    now: dt.datetime,
    timezone: str,
) -> list[LoadResult]:
    """Swap the files' previous rows, quarantine entries and load-log rows for the staged ones.

    ``files`` is in load order: when two staged files carry the same event, the earlier keeps it.
    ``timezone`` (the reporting zone the stage's local dates are in) is logged per file.
    """
    if stage not in STAGE_TABLES:
        raise ValueError(f"unknown stage table {stage!r}")
    if not files:
        return []
    names = [f.source_file for f in files]
    with transaction(conn):
        conn.execute(
            """
            CREATE OR REPLACE TEMP TABLE load_batch (
                source_file VARCHAR, file_seq INTEGER, partition_key VARCHAR,
                file_size BIGINT, file_mtime DOUBLE)
            """
        )
        conn.executemany(
            "INSERT INTO load_batch VALUES (?, ?, ?, ?, ?)",
            [[f.source_file, i, f.partition_key, f.size, f.mtime] for i, f in enumerate(files)],
        )
        reloaded = conn.execute(
            "SELECT count(*) FROM ops.load_log WHERE source = ? AND list_contains(?, source_file)",
            [source, names],
        ).fetchone()[0]
        if reloaded:
            # A file loaded before: its rows go first, so they neither stay nor count as
            # duplicates of themselves. (A first load skips this scan of raw.events.)
            conn.execute(
                "DELETE FROM raw.events WHERE source = ? AND list_contains(?, source_file)",
                [source, names],
            )
            conn.execute("DELETE FROM ops.quarantine WHERE list_contains(?, source_file)", [names])
            conn.execute(
                "DELETE FROM ops.load_log WHERE source = ? AND list_contains(?, source_file)",
                [source, names],
            )
        conn.execute(
            f"""
            INSERT INTO ops.quarantine
            SELECT source_file, line_number, raw_line, reason, ?::TIMESTAMPTZ
            FROM {stage} WHERE reason IS NOT NULL
            ORDER BY source_file, line_number
            """,
            [now],
        )
        first_day, last_day = conn.execute(
            f"SELECT min(event_date), max(event_date) FROM {stage} WHERE reason IS NULL"
        ).fetchone()
        # Lines not loaded because their event is already in: a later copy within the
        # batch, or one loaded from another file on the same dates (a constant date range,
        # so the scan of raw.events skips every other row group).
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE load_duplicates AS
            WITH valid AS (
                SELECT s.source_file, s.line_number, s.event_id, b.file_seq
                FROM {stage} s JOIN load_batch b USING (source_file)
                WHERE s.reason IS NULL
            ),
            repeated AS (
                SELECT source_file, line_number FROM valid
                WHERE event_id IN (SELECT event_id FROM valid GROUP BY event_id HAVING count(*) > 1)
                QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY file_seq, line_number) > 1
            ),
            loaded_before AS (
                SELECT source_file, line_number FROM valid
                WHERE event_id IN (
                    SELECT event_id FROM raw.events
                    WHERE event_date BETWEEN ?::DATE AND ?::DATE
                )
            )
            SELECT * FROM repeated
            UNION
            SELECT * FROM loaded_before
            """,
            [first_day, last_day],
        )
        conn.execute(
            f"""
            INSERT INTO raw.events ({EVENT_COLUMNS}, ingested_at)
            SELECT {EVENT_COLUMNS}, ?::TIMESTAMPTZ
            FROM {stage} s
            ANTI JOIN load_duplicates d USING (source_file, line_number)
            WHERE s.reason IS NULL
            """,
            [now],
        )
        rows = conn.execute(
            f"""
            INSERT INTO ops.load_log
            WITH staged AS (
                SELECT source_file, count(*) AS lines_read, count(reason) AS quarantined
                FROM {stage} GROUP BY source_file
            ),
            duplicates AS (
                SELECT source_file, count(*) AS duplicates FROM load_duplicates GROUP BY source_file
            ),
            counted AS (
                SELECT b.*, coalesce(s.lines_read, 0) AS lines_read,
                       coalesce(d.duplicates, 0) AS duplicates, coalesce(s.quarantined, 0) AS quarantined
                FROM load_batch b
                LEFT JOIN staged s USING (source_file)
                LEFT JOIN duplicates d USING (source_file)
            )
            SELECT source_file, ?, partition_key, file_size, to_timestamp(file_mtime), lines_read,
                   lines_read - quarantined - duplicates, duplicates, quarantined, ?::TIMESTAMPTZ,
                   ?::VARCHAR
            FROM counted
            RETURNING source_file, lines_read, lines_loaded, duplicates, quarantined
            """,
            [source, now, timezone],
        ).fetchall()
    order = {name: i for i, name in enumerate(names)}
    results = sorted((LoadResult(*row) for row in rows), key=lambda r: order[r.source_file])
    conn.execute("DROP TABLE IF EXISTS load_duplicates")
    conn.execute("DROP TABLE IF EXISTS load_batch")
    return results


def unbalanced_files(conn: duckdb.DuckDBPyConnection, source: str) -> tuple[int, list[str]]:
    """(files checked, files whose load log disagrees with itself or with the tables),
    over every file of ``source`` ever loaded.

    A file is balanced when loaded + duplicates + quarantined = lines read, and the
    logged loaded / quarantined counts equal the rows actually in raw.events / ops.quarantine.
    """
    rows = conn.execute(
        """
        SELECT l.source_file, l.lines_read, l.lines_loaded, l.duplicates, l.quarantined,
               (SELECT count(*) FROM raw.events e WHERE e.source_file = l.source_file AND e.source = l.source),
               (SELECT count(*) FROM ops.quarantine q WHERE q.source_file = l.source_file)
        FROM ops.load_log l
        WHERE l.source = ?
        """,
        [source],
    ).fetchall()
    bad = [r[0] for r in rows if r[2] + r[3] + r[4] != r[1] or r[2] != r[5] or r[4] != r[6]]
    return len(rows), bad


def files_loaded_in_other_zones(conn: duckdb.DuckDBPyConnection, timezone: str) -> dict[str, int]:
    """Files per reporting zone they were loaded in, for zones other than ``timezone``: their
    events' local dates (``event_date``) are that zone's until they are loaded again."""
    if not column_exists(conn, "ops.load_log", "timezone"):
        # a warehouse from before the column, opened read-only
        return {}
    rows = conn.execute(
        """
        SELECT timezone, count(*) FROM ops.load_log
        WHERE timezone IS NOT NULL AND timezone <> ?
        GROUP BY 1 ORDER BY 1
        """,
        [timezone],
    ).fetchall()
    return dict(rows)


def quarantine_reasons(conn: duckdb.DuckDBPyConnection, source_files: list[str]) -> dict[str, int]:
    rows = conn.execute(
        "SELECT reason, count(*) FROM ops.quarantine WHERE list_contains(?, source_file) GROUP BY 1 ORDER BY 1",
        [source_files],
    ).fetchall()
    return dict(rows)


def load_totals(results: list[LoadResult]) -> dict[str, int]:
    keys = ("lines_read", "lines_loaded", "duplicates", "quarantined")
    return {k: sum(getattr(r, k) for r in results) for k in keys}


def load_log_markdown(results: list[LoadResult], limit: int = 20) -> str:
    header = ["| file | read | loaded | duplicates | quarantined |", "|---|---:|---:|---:|---:|"]
    body = [
        f"| {r.source_file} | {r.lines_read} | {r.lines_loaded} | {r.duplicates} | {r.quarantined} |"
        for r in results[:limit]
    ]
    return "\n".join(header + body)
