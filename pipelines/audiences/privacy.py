"""A last line of defence: find raw contact details in bytes meant to leave the warehouse.

Export fields are only SHA-256 hex, UUIDs, ISO country codes or empty, so an ``@`` or a
field that is a phone number written out (``+82 10-…``, ``010-1234-5678``, ``01012345678``)
can only be a leak. Used by the export asset check and the tests.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A whole field (between delimiters / quotes / line ends) that looks like a phone number.
_PHONE = re.compile(rb'(?:^|[,"\s:\[])(\+?\(?\d[\d ()-]{5,18}\d)(?=$|[,"\s\]])', re.M)
_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")


def raw_contact_findings(data: bytes) -> list[str]:
    """Kinds of raw contact detail found in ``data`` (never the values themselves)."""
    findings = []
    if _EMAIL.search(data):
        findings.append("email address")
    for match in _PHONE.finditer(data):
        text = match.group(1)
        if _DATE.fullmatch(text):
            continue
        digits = re.sub(rb"\D", b"", text)
        written_as_phone = (
            any(c in text for c in (b"-", b"+", b" ", b"(")) and 7 <= len(digits) <= 15
        )
        # bare digits: Korean national (010…) or international (8210…) mobile numbers only,
        # so counts and sizes in a manifest are not mistaken for phones
        bare_korean = (digits.startswith(b"0") and 9 <= len(digits) <= 11) or (
            digits.startswith(b"82") and 11 <= len(digits) <= 12
        )
        if written_as_phone or bare_korean:
            findings.append("phone number")
            break
    return findings
