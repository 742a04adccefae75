"""Environment settings: paths, time zone, endpoints and secrets.

Definitions of what the numbers mean live in ``retainly.yaml`` (see
``pipelines.config``); this module only answers "where" and "who", from
environment variables with defaults that make the demo work on a laptop.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SettingsError(ValueError):
    """A setting from the environment is invalid; the message names the variable."""


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from ``.env`` without overriding the real environment."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


@dataclass(frozen=True)
class Settings:
    home: Path
    timezone: str
    week_start: str
    start_date: dt.date
    serving_url: str | None
    ga4_property_id: str | None
    google_credentials: str | None
    grafana_url: str | None
    grafana_token: str | None
    as_of: dt.date | None = None

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def events_dir(self) -> Path:
        return self.landing_dir / "events"

    @property
    def ga4_export_dir(self) -> Path:
        return self.landing_dir / "ga4_export"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def pg_dir(self) -> Path:
        return self.home / "pg"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def week_start_index(self) -> int:
        """0 = Monday … 6 = Sunday (Python's ``date.weekday()`` convention)."""
        return WEEKDAYS.index(self.week_start)

    def today(self) -> dt.date:
        return dt.datetime.now(self.tz).date()

    def describe(self) -> dict[str, str]:
        """What is configured, safe to print: secrets are reported as set/unset only."""
        return {
            "RETAINLY_HOME": str(self.home),
            "warehouse": str(self.warehouse_path),
            "landing": str(self.landing_dir),
            "exports": str(self.exports_dir),
            "models": str(self.models_dir),
            "RETAINLY_TIMEZONE": self.timezone,
            "RETAINLY_WEEK_START": self.week_start,
            "RETAINLY_START_DATE": self.start_date.isoformat(),
            "RETAINLY_SERVING_URL": "set"
            if self.serving_url
            else f"unset (embedded PostgreSQL in {self.pg_dir})",
            "GA4_PROPERTY_ID": self.ga4_property_id or "unset (GA4 Data API assets skip)",
            "GOOGLE_APPLICATION_CREDENTIALS": self.google_credentials or "unset",
            "GRAFANA_URL": self.grafana_url or "unset (file provisioning only)",
            "GRAFANA_TOKEN": "set" if self.grafana_token else "unset",
        }


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default: ``os.environ`` after reading ``./.env``)."""
    if environ is None:
        _load_dotenv(Path.cwd() / ".env")
        environ = dict(os.environ)
    home = Path(environ.get("RETAINLY_HOME", "./.retainly")).expanduser().absolute()
    timezone = environ.get("RETAINLY_TIMEZONE", "Asia/Seoul")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"RETAINLY_TIMEZONE={timezone!r} is not an IANA time zone") from exc
    week_start = environ.get("RETAINLY_WEEK_START", "monday").strip().lower()
    if week_start not in WEEKDAYS:
        raise SettingsError(
            f"RETAINLY_WEEK_START={week_start!r}: expected one of {', '.join(WEEKDAYS)}"
        )
    raw_start = environ.get("RETAINLY_START_DATE", "2020-01-01")
    try:
        start_date = dt.date.fromisoformat(raw_start)
    except ValueError as exc:
        raise SettingsError(f"RETAINLY_START_DATE={raw_start!r} is not a YYYY-MM-DD date") from exc
    return Settings(
        home=home,
        timezone=timezone,
        week_start=week_start,
        start_date=start_date,
        serving_url=environ.get("RETAINLY_SERVING_URL") or None,
        ga4_property_id=environ.get("GA4_PROPERTY_ID") or None,
        google_credentials=environ.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
        grafana_url=environ.get("GRAFANA_URL") or None,
        grafana_token=environ.get("GRAFANA_TOKEN") or None,
        as_of=_optional_date(environ, "RETAINLY_AS_OF"),
    )


def _optional_date(environ: dict[str, str], key: str) -> dt.date | None:
    raw = environ.get(key)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise SettingsError(f"{key}={raw!r} is not a YYYY-MM-DD date") from exc
