"""Publishing one staged landing file into ``raw.events``: the step every source shares.

A source stages a file into a temp table (one row per input line: ``line_number``,
``reason`` NULL for a loadable event, ``raw_line`` for a quarantined one, and the
``raw.events`` columns); this module replaces everything an earlier load of the same
file wrote, in one transaction, so reruns are idempotent and a failure changes nothing.
Duplicates are found on ``event_id`` within the file and against events already loaded
from other files on the same local dates (a retried event keeps its timestamp, hence its
date); the first file to load an event keeps it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import duckdb

from pipelines.warehouse import transaction

EVENT_COLUMNS = """event_id, event_name, event_type, event_ts, event_date, user_id, anonymous_id,
    previous_id, source, utm_source, utm_medium, utm_campaign, utm_content, utm_term, gclid, fbclid,
    referrer, page_url, platform, os_name, country, advertising_id, ad_tracking_enabled,
    consent_ad_user_data, consent_ad_personalization, email_sha256, email_sha256_google,
    phone_sha256, phone_sha256_digits, first_name_sha256, last_name_sha256, properties,
    source_file, line_number"""

# Stage tables are identifiers, so they come from this fixed set, never from input.
STAGE_TABLES = frozenset({"segment_stage", "ga4_stage"})


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
    stage_table: str
    source: str
    source_file: str
    partition_key: str | None
    size: int
    mtime: float


def replace_file_rows(
    conn: duckdb.DuckDBPyConnection, staged: StagedFile, now: dt.datetime
) -> LoadResult:
    """Swap the file's previous rows, quarantine entries and load-log row for the staged ones."""
    if staged.stage_table not in STAGE_TABLES:
        raise ValueError(f"unknown stage table {staged.stage_table!r}")
    stage, name = staged.stage_table, staged.source_file
    with transaction(conn):
        conn.execute(
            "DELETE FROM raw.events WHERE source_file = ? AND source = ?", [name, staged.source]
        )
        conn.execute("DELETE FROM ops.quarantine WHERE source_file = ?", [name])
        conn.execute(
            "DELETE FROM ops.load_log WHERE source_file = ? AND source = ?", [name, staged.source]
        )
        conn.execute(
            f"""
            INSERT INTO ops.quarantine
            SELECT source_file, line_number, raw_line, reason, ?::TIMESTAMPTZ
            FROM {stage} WHERE reason IS NOT NULL
            """,
            [now],
        )
        conn.execute(
            f"""
            INSERT INTO raw.events ({EVENT_COLUMNS}, ingested_at)
            WITH candidates AS (
                SELECT * FROM {stage} WHERE reason IS NULL
                QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY line_number) = 1
            ),
            already_loaded AS (
                SELECT event_id FROM raw.events
                WHERE event_date IN (SELECT DISTINCT event_date FROM candidates)
            )
            SELECT {EVENT_COLUMNS}, ?::TIMESTAMPTZ
            FROM candidates
            WHERE event_id NOT IN (SELECT event_id FROM already_loaded)
            ORDER BY line_number
            """,
            [now],
        )
        lines_read, quarantined = conn.execute(
            f"SELECT count(*), count(reason) FROM {stage}"
        ).fetchone()
        loaded = conn.execute(
            "SELECT count(*) FROM raw.events WHERE source_file = ? AND source = ?",
            [name, staged.source],
        ).fetchone()[0]
        result = LoadResult(
            source_file=name,
            lines_read=lines_read,
            lines_loaded=loaded,
            duplicates=lines_read - quarantined - loaded,
            quarantined=quarantined,
        )
        conn.execute(
            "INSERT INTO ops.load_log VALUES (?, ?, ?, ?, to_timestamp(?), ?, ?, ?, ?, ?)",
            [
                name,
                staged.source,
                staged.partition_key,
                staged.size,
                staged.mtime,
                result.lines_read,
                result.lines_loaded,
                result.duplicates,
                result.quarantined,
                now,
            ],
        )
    conn.execute(f"DROP TABLE IF EXISTS {stage}")
    return result


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
