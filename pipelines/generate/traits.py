"""``identify`` traits: Korean names, e-mails the way people type them, phone numbers
in the formats Korean forms accept.

There is one identify call per signup (a few thousand a day), so this is plain
Python. Values come from a per-person hash, so a person's traits are stable.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from pipelines.generate import catalog as cat

_SURNAME_CUM = np.cumsum([w for _, _, w in cat.SURNAMES]) / sum(w for _, _, w in cat.SURNAMES)
_DOMAIN_CUM = np.cumsum([w for _, w in cat.EMAIL_DOMAINS]) / sum(w for _, w in cat.EMAIL_DOMAINS)
PHONE_SHARE = 0.4


def _weighted(cum: np.ndarray, u: float) -> int:
    return min(int(np.searchsorted(cum, u, side="right")), len(cum) - 1)


def email(given: str, surname: str, h: int) -> str:
    """Mixed case, Gmail dots and +tags, birth-year-ish digits — as normalization must handle."""
    d2, d4 = f"{(h >> 16) % 100:02d}", f"{(h >> 24) % 10_000:04d}"
    domain = cat.EMAIL_DOMAINS[_weighted(_DOMAIN_CUM, ((h >> 48) % 4096) / 4096)][0]
    gmail = domain == "gmail.com"
    variant = (h >> 40) % 10
    if variant == 3:
        local = f"{given.capitalize()}.{surname.capitalize()}{d2}"
    elif variant == 4:
        local = f"{surname}{given}{d4}"
    elif variant == 5 and gmail:
        local = f"{given[: len(given) // 2]}.{given[len(given) // 2 :]}.{surname}{d2}"
    elif variant == 6 and gmail:
        local = f"{given}{surname}{d2}+moonlight"
    elif variant == 7:
        local = f"{given[0].upper()}{surname.capitalize()}{d4}"
    elif variant == 8:
        local = f"{given}_{surname}{d2}"
    else:
        local = f"{given}.{surname}{d2}"
    if (h >> 56) % 20 == 0:
        domain = domain.upper() if (h >> 60) % 2 else domain.capitalize()
    return f"{local}@{domain}"


def phone(h: int, r: int) -> str:
    a, b = f"{(r >> 4) % 10_000:04d}", f"{(r >> 18) % 10_000:04d}"
    return (f"010-{a}-{b}", f"010{a}{b}", f"+82 10-{a}-{b}", f"+8210{a}{b}")[(h >> 36) % 4]


def traits_json(person_hash: np.ndarray, r: np.ndarray, ts_ms: np.ndarray) -> list[str]:
    """The ``traits`` object (as JSON text) of each identify call."""
    out = []
    for h, rr, ts in zip(person_hash.tolist(), r.tolist(), ts_ms.tolist(), strict=True):
        s_ko, s_en, _ = cat.SURNAMES[_weighted(_SURNAME_CUM, (h % 4096) / 4096)]
        g_ko, g_en = cat.GIVEN_NAMES[(h >> 8) % len(cat.GIVEN_NAMES)]
        traits = {
            "email": email(g_en, s_en, h),
            "name": s_ko + g_ko,
            "firstName": g_ko,
            "lastName": s_ko,
        }
        if (h >> 32) % 1000 < PHONE_SHARE * 1000:
            traits["phone"] = phone(h, rr)
        created = dt.datetime.fromtimestamp(ts // 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        traits["created_at"] = f"{created}.{ts % 1000:03d}Z"
        out.append(json.dumps(traits, ensure_ascii=False, separators=(",", ":")))
    return out
