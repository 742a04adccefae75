"""Gzip JSONL files, written so that a reader never sees half a file.

A day's file is written as ``YYYY-MM-DD.jsonl.gz.tmp`` and renamed into place with
``os.replace`` once complete (the landing-file pattern ignores ``*.tmp``).

Events delivered late into a file come from other (earlier) days' workers, after the
file's own lines are written. They must not go into a second gzip member: DuckDB's
reader drops concatenated members in some files. So a file is one member built in
two steps: the worker writes the gzip header and its lines as raw deflate blocks
ending in a sync flush (byte-aligned, not final) and reports the CRC-32 and length;
the parent appends the late lines as a final deflate stream and the gzip trailer.
Deflate blocks from independent compressors may follow each other this way (it is
how pigz joins chunks), and the result is an ordinary single-member gzip file.

The JSON text comes out of DuckDB as Arrow string batches; the batches' value
buffers are exactly the file's bytes, so they go to zlib without a Python loop.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

RAW_DEFLATE = -15  # zlib wbits for headerless deflate
# gzip header: magic, deflate, no flags, mtime 0 (byte-identical reruns), no extra flags, OS unknown
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


@dataclass
class OpenGzip:
    """A temp file holding a gzip header and non-final deflate blocks."""

    path: Path
    rows: int  # newline-terminated rows of the input arrays written
    crc: int  # CRC-32 of all uncompressed bytes written so far
    size: int  # their length


def file_name(day_iso: str) -> str:
    return f"{day_iso}.jsonl.gz"


def temp_path(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


def _text_spans(array: pa.Array) -> tuple[memoryview, np.ndarray]:
    """(value buffer, offsets) of an Arrow string / large_string array."""
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=offset_type)[
        array.offset : array.offset + len(array) + 1
    ]
    return memoryview(array.buffers()[2]), offsets.astype(np.int64)


def write_lines(
    path: Path,
    arrays: Iterable[pa.Array],
    level: int,
    extra_after: Iterable[int] = (),
    on_line: Callable[[int, str], list[str]] | None = None,
) -> OpenGzip:
    """Write string ``arrays`` (newline-terminated lines) gzip-compressed to ``path``.

    After each row ``i`` in ``extra_after`` the lines ``on_line(i, text_of_row_i)`` are
    written (broken copies of real lines). The file is left open-ended for
    ``finish_gzip``.
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, RAW_DEFLATE)
    row = crc = size = 0
    wanted = sorted(set(extra_after))

    def put(data: bytes | memoryview) -> None:
        nonlocal crc, size
        crc = zlib.crc32(data, crc)
        size += len(data)
        handle.write(compressor.compress(data))

    with open(path, "wb") as handle:
        handle.write(GZIP_HEADER)
        for column in arrays:
            if len(column) == 0:
                continue
            buffer, offsets = _text_spans(column)
            cursor = int(offsets[0])
            end_row = row + len(column)
            while wanted and wanted[0] < end_row:
                i = wanted.pop(0)
                local = i - row
                start, stop = int(offsets[local]), int(offsets[local + 1])
                put(buffer[cursor:stop])
                source = bytes(buffer[start:stop]).decode("utf-8").rstrip("\n")
                extra = "".join(line + "\n" for line in on_line(i, source)) if on_line else ""
                put(extra.encode("utf-8"))
                cursor = stop
            put(buffer[cursor : int(offsets[-1])])
            row = end_row
        handle.write(compressor.flush(zlib.Z_SYNC_FLUSH))  # byte-aligned, not final
    return OpenGzip(path, row, crc, size)


def split_rows(arrays: Iterable[pa.Array], k: int) -> tuple[Iterator[pa.Array], list[pa.Array]]:
    """(the first ``k`` rows, lazily; the list that holds the rows after them once the
    first iterator is exhausted) — one rendering pass feeding two destinations."""
    rest: list[pa.Array] = []

    def head() -> Iterator[pa.Array]:
        seen = 0
        for array in arrays:
            take = max(0, min(len(array), k - seen))
            if take:
                yield array.slice(0, take)
            if take < len(array):
                rest.append(array.slice(take))
            seen += take

    return head(), rest


def rows_text(arrays: list[pa.Array], counts: list[int]) -> list[bytes]:
    """Consecutive groups of ``counts`` rows of string ``arrays``, each as joined bytes."""
    out: list[bytes] = []
    parts: list[bytes] = []
    need = counts[0] if counts else 0
    group = 0
    for array in arrays:
        buffer, offsets = _text_spans(array)
        start = 0
        while start < len(array) and group < len(counts):
            take = min(need, len(array) - start)
            parts.append(bytes(buffer[int(offsets[start]) : int(offsets[start + take])]))
            start += take
            need -= take
            while need == 0 and group < len(counts):
                out.append(b"".join(parts))
                parts = []
                group += 1
                need = counts[group] if group < len(counts) else 0
    while group < len(counts):  # empty groups at the end
        out.append(b"".join(parts))
        parts = []
        group += 1
    return out


def finish_gzip(part: OpenGzip, tail: bytes, level: int) -> None:
    """Append ``tail`` (more lines) as the final deflate blocks, then the gzip trailer."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, RAW_DEFLATE)
    crc = zlib.crc32(tail, part.crc)
    size = part.size + len(tail)
    with open(part.path, "ab") as handle:
        handle.write(compressor.compress(tail) + compressor.flush())
        handle.write(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))


def publish(temp: Path, final: Path) -> Path:
    """Make a finished temp file visible under its final name, atomically."""
    os.replace(temp, final)
    return final
