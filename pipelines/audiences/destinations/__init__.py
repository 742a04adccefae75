"""Ad-platform file templates, one module per destination.

Each module defines ``DESTINATION``: the exact header (names and order) of the platform's
published template, the SQL model that fills it (``sql/audiences/destinations/<name>.sql``),
the platform's minimum audience size and the documentation the template was checked
against. Every file is UTF-8 (ASCII in practice: hex hashes, UUIDs, ISO codes), comma
separated, LF line ends, no quoting (no value can contain a comma or quote), an empty field
where a member has no value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Destination:
    name: str
    label: str
    columns: tuple[str, ...]
    header: bool
    min_size: int
    # "device": one row per ad id; "person": one row per member.
    row_unit: Literal["device", "person"]
    template_url: str
    notes: str = ""

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def sql_name(self) -> str:
        return f"audiences/destinations/{self.name}"


def _registry() -> dict[str, Destination]:
    from pipelines.audiences.destinations import (
        google_ads_contact,
        google_ads_mobile,
        kakao_moment,
        meta,
        tiktok,
    )

    modules = (google_ads_mobile, google_ads_contact, meta, tiktok, kakao_moment)
    return {m.DESTINATION.name: m.DESTINATION for m in modules}


DESTINATIONS: dict[str, Destination] = _registry()
