"""Arrow string columns without per-row Python: fixed-width byte matrices, dictionary
lookups and ISO-8601 timestamps computed with integer arithmetic.

Everything that ends up inside a JSON line is either one of these columns or a
fragment from the catalog, so the renderer only concatenates.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa


def with_nulls(array_type: pa.DataType, data: np.ndarray, valid: np.ndarray) -> pa.Array:
    """An Arrow array of fixed-width ``data`` with NULL where not ``valid``."""
    n = len(data)
    valid = np.asarray(valid, dtype=bool)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    if pa.types.is_boolean(array_type):
        buffer = pa.py_buffer(np.packbits(np.asarray(data, dtype=bool), bitorder="little"))
    else:
        buffer = pa.py_buffer(np.ascontiguousarray(data))
    return pa.Array.from_buffers(
        array_type, n, [bitmap, buffer], null_count=int(n - np.count_nonzero(valid))
    )


def booleans(values: np.ndarray) -> pa.Array:
    """A non-null Arrow boolean column."""
    values = np.asarray(values, dtype=bool)
    return with_nulls(pa.bool_(), values, np.ones(len(values), dtype=bool))


def fixed_strings(matrix: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Arrow ``large_string`` column from a (rows × width) uint8 matrix of ASCII bytes."""
    rows, width = matrix.shape
    data = pa.py_buffer(np.ascontiguousarray(matrix, dtype=np.uint8))
    offsets = pa.py_buffer(np.arange(0, (rows + 1) * width, width, dtype=np.int64))
    if valid is None:
        return pa.LargeStringArray.from_buffers(rows, offsets, data)
    valid = np.asarray(valid, dtype=bool)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.LargeStringArray.from_buffers(
        rows, offsets, data, bitmap, null_count=int(rows - valid.sum())
    )


@functools.lru_cache(maxsize=256)
def dictionary(values: tuple[str | None, ...]) -> pa.Array:
    """A small Arrow string array (built from buffers: ``pa.array`` goes through pandas)."""
    encoded = [(v or "").encode("utf-8") for v in values]
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded])]).astype(np.int32)
    valid = np.array([v is not None for v in values], dtype=bool)
    return pa.StringArray.from_buffers(
        len(values),
        pa.py_buffer(offsets),
        pa.py_buffer(b"".join(encoded)),
        pa.py_buffer(np.packbits(valid, bitorder="little")),
        null_count=int(len(values) - valid.sum()),
    )


def lookup(
    values: tuple[str | None, ...], index: np.ndarray, valid: np.ndarray | None = None
) -> pa.DictionaryArray:
    """Dictionary-encoded ``values[index]`` per row; NULL where ``index < 0`` or not ``valid``."""
    index = np.asarray(index, dtype=np.int32)
    ok = index >= 0 if valid is None else np.asarray(valid, dtype=bool) & (index >= 0)
    indices = with_nulls(pa.int32(), np.where(ok, index, 0).astype(np.int32), ok)
    return pa.DictionaryArray.from_arrays(indices, dictionary(tuple(values)))


_PAIRS = np.array(
    [list(f"{i:02d}".encode()) for i in range(100)], dtype=np.uint8
)  # 0..99 -> 2 chars


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, (rows × width) ASCII."""
    rest = np.asarray(values, dtype=np.int64)
    out = np.empty((len(rest), width), dtype=np.uint8)
    pos = width
    while pos >= 2:
        rest, pair = np.divmod(rest, 100)
        out[:, pos - 2 : pos] = _PAIRS[pair]
        pos -= 2
    if pos == 1:
        out[:, 0] = ord("0") + rest % 10
    return out


def ragged_strings(n: int, rows: np.ndarray, matrix: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """``n`` strings, NULL except at ``rows`` (ascending), where row ``rows[k]`` is
    ``matrix[k, :lengths[k]]``: variable-length text without a Python loop."""
    data = matrix[np.arange(matrix.shape[1]) < lengths[:, None]]  # row-major: keeps row order
    per_row = np.zeros(n, dtype=np.int64)
    per_row[rows] = lengths
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_row, out=offsets[1:])
    valid = np.zeros(n, dtype=bool)
    valid[rows] = True
    return pa.LargeStringArray.from_buffers(
        n,
        pa.py_buffer(offsets),
        pa.py_buffer(np.ascontiguousarray(data)),
        pa.py_buffer(np.packbits(valid, bitorder="little")),
        null_count=int(n - len(rows)),
    )


def literal(text: bytes, rows: int) -> np.ndarray:
    """``text`` repeated on ``rows`` rows, as a (rows × len) matrix to ``hstack`` with."""
    return np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (rows, len(text)))


def sparse_strings(matrix: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Like ``fixed_strings`` but ``matrix`` holds only the valid rows (others are NULL)."""
    valid = np.asarray(valid, dtype=bool)
    width = matrix.shape[1]
    offsets = np.zeros(len(valid) + 1, dtype=np.int64)
    np.cumsum(valid * width, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(
        len(valid),
        pa.py_buffer(offsets),
        pa.py_buffer(np.ascontiguousarray(matrix, dtype=np.uint8)),
        pa.py_buffer(np.packbits(valid, bitorder="little")),
        null_count=int(len(valid) - valid.sum()),
    )


def iso_matrix(epoch_ms: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SS.mmm`` (rows × 23) for epoch milliseconds (proleptic Gregorian).

    Civil-from-days is Howard Hinnant's algorithm, vectorized.
    """
    ms = np.asarray(epoch_ms, dtype=np.int64)
    days, in_day = np.divmod(ms, 86_400_000)
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    out = np.empty((len(ms), 23), dtype=np.uint8)
    out[:, 0:4] = digits(year, 4)
    out[:, 5:7] = digits(month, 2)
    out[:, 8:10] = digits(day, 2)
    out[:, 11:13] = digits(in_day // 3_600_000, 2)
    out[:, 14:16] = digits(in_day // 60_000 % 60, 2)
    out[:, 17:19] = digits(in_day // 1_000 % 60, 2)
    out[:, 20:23] = digits(in_day % 1_000, 3)
    out[:, [4, 7]] = ord("-")
    out[:, 10] = ord("T")
    out[:, [13, 16]] = ord(":")
    out[:, 19] = ord(".")
    return out


def with_suffix(matrix: np.ndarray, suffix: bytes) -> np.ndarray:
    """``matrix`` rows followed by the same ``suffix`` bytes."""
    tail = np.broadcast_to(np.frombuffer(suffix, dtype=np.uint8), (matrix.shape[0], len(suffix)))
    return np.hstack([matrix, tail])
