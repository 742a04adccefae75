"""Landing files that DuckDB's line reader cannot take as they are, rewritten line by line.

Landing files are read with DuckDB's CSV reader, one line per row. It rejects a whole read
for a single line that is not UTF-8 or is longer than its line limit, reads only the first
member of a multi-member gzip (files appended to with ``cat a.gz b.gz``) and cuts a line at
a NUL byte. A file it cannot read whole is rewritten here as plain UTF-8: each readable
line is copied, each other line is replaced by a placeholder and returned with its
quarantine reason, so every line keeps its number and none is lost.
"""

from __future__ import annotations

import codecs
import gzip
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pandas as pd

from pipelines.warehouse import run_sql

# The longest line read (bytes, without its line break); DuckDB's read_csv is given the
# same limit. Segment itself accepts messages of at most 32 KB.
MAX_LINE_BYTES = 2_000_000
PLACEHOLDER = b"-"
CHUNK_BYTES = 16 << 20


@dataclass(frozen=True)
class RejectedLine:
    line_number: int
    reason: str
    # The line as text: undecodable bytes and NULs become U+FFFD.
    text: str


def rewrite_readable(source: Path, target: Path) -> list[RejectedLine]:
    """Write ``source``'s lines (gzip or plain) to ``target`` as plain text DuckDB can read.

    Lines are split as DuckDB splits them (LF, CRLF or CR) and written LF-terminated; a
    leading UTF-8 byte-order mark is dropped, as DuckDB does. Raises what ``gzip`` raises
    for a file that is not a complete gzip file.
    """
    opener = gzip.open if source.suffix == ".gz" else open
    rejected: list[RejectedLine] = []
    with opener(source, "rb") as handle, target.open("wb") as out:
        for number, line in enumerate(split_lines(handle), start=1):
            reason = unreadable_reason(line)
            if reason is not None:
                text = line.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
                rejected.append(RejectedLine(number, reason, text))
                line = PLACEHOLDER
            out.write(line + b"\n")
    return rejected


def split_lines(handle: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The lines of a binary stream as ``bytes.splitlines`` splits them, read in chunks so
    memory stays bounded by the longest line; a leading byte-order mark is dropped."""
    pending = handle.read(len(codecs.BOM_UTF8)).removeprefix(codecs.BOM_UTF8)
    while chunk := handle.read(chunk_bytes):
        pieces = (pending + chunk).splitlines(keepends=True)
        # The last piece may lack its break, or be a CR whose LF is in the next chunk.
        pending = pieces.pop() if pieces else b""
        for piece in pieces:
            yield piece.rstrip(b"\r\n")
    yield from pending.splitlines()


def apply_rejected(
    conn: duckdb.DuckDBPyConnection,
    rejected: list[RejectedLine],
    sql_model: str,
    params: dict[str, Any] | None = None,
) -> None:
    """Run ``sql_model``, the update that gives a stage's placeholder rows their reasons and
    text, with the rejected lines as the table ``rejected_lines(line_number, reason, text)``."""
    if not rejected:
        return
    frame = pd.DataFrame(
        [asdict(r) for r in rejected], columns=["line_number", "reason", "text"]
    ).astype({"line_number": "int64", "reason": "object", "text": "object"})
    conn.register("rejected_lines", frame)
    try:
        run_sql(conn, sql_model, params)
    finally:
        conn.unregister("rejected_lines")


def read_whole(path: Path, size: int, staged_bytes: int, staged_lines: int) -> bool:
    """Whether the lines DuckDB's reader staged from a file account for every byte of it.

    Each staged line counts its bytes plus one for its line break. That equals the file's
    size (the last break optional) for LF line ends, falls short by one byte per line for
    CRLF and by 3 for a UTF-8 byte-order mark, which the reader drops; anything else means
    bytes were not read: a line cut at a NUL byte, or further members of a gzip file. For
    gzip the size is the trailer's ISIZE, the uncompressed size (mod 2**32) of the last
    member, which equals the staged bytes only when the file is one member read to its end.
    """
    if path.suffix == ".gz":
        with path.open("rb") as handle:
            handle.seek(-4, 2)
            size = int.from_bytes(handle.read(4), "little")
    missing = (size - staged_bytes) % 2**32
    explained = {0, 2**32 - 1, staged_lines, staged_lines - 1}
    return missing in explained | {(m + 3) % 2**32 for m in explained}


def unreadable_reason(line: bytes) -> str | None:
    """The quarantine reason of a line DuckDB's reader cannot take whole, else None."""
    if len(line) > MAX_LINE_BYTES:
        return "line_too_long"
    if b"\x00" in line:
        return "invalid_json"  # JSON text never holds a raw NUL (not even in a string)
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8"
    return None
