"""The line splitter of the rewrite path for files DuckDB's reader cannot take whole."""

from __future__ import annotations

import codecs
import io

from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.readable import split_lines

PIECES = [b"a", b"{}", b"\r", b"\n", b"\r\n", codecs.BOM_UTF8, b"\xff", b"\x00", "논".encode()]


@given(st.lists(st.sampled_from(PIECES), max_size=40), st.integers(min_value=1, max_value=9))
def test_chunked_split_equals_splitlines(pieces, chunk_bytes):
    """Read in chunks of any size (a CRLF or a BOM cut between two chunks included), the
    lines are exactly bytes.splitlines' (LF, CR, CRLF: DuckDB's line breaks), and only a
    byte-order mark at the very start is dropped."""
    data = b"".join(pieces)
    lines = list(split_lines(io.BytesIO(data), chunk_bytes))
    assert lines == data.removeprefix(codecs.BOM_UTF8).splitlines()
