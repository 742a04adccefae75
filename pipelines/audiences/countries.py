"""Country names → ISO 3166-1 alpha-2, for Google's contact list (``Country`` must be a
two-letter code). Segment's ``context.location.country`` is usually a name ("South Korea"),
GA4's a name too; codes pass through. Names come from the IANA ``iso3166.tab`` (via pytz,
a Dagster dependency) plus the spellings analytics SDKs send."""

from __future__ import annotations

import pytz

ALIASES = {
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "korea, republic of": "KR",
    "대한민국": "KR",
    "한국": "KR",
    "north korea": "KP",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "us": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "russia": "RU",
    "vietnam": "VN",
    "taiwan": "TW",
    "hong kong": "HK",
    "macao": "MO",
    "czech republic": "CZ",
    "turkey": "TR",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
}


def country_codes() -> list[tuple[str, str]]:
    """(lower-case name or code, alpha-2 code) pairs."""
    pairs = {code.lower(): code for code in pytz.country_names}
    pairs |= {name.lower(): code for code, name in pytz.country_names.items()}
    pairs |= ALIASES
    return sorted(pairs.items())
