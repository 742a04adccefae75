"""Definitions (``retainly.yaml``): what "active", cohorts, funnels and channels mean.

Looked up in the working directory, then ``$RETAINLY_HOME``, else the defaults
shipped in the package, so ``retainly run`` works from any directory. Validated
at load with messages that name the offending key.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULTS_DIR = Path(__file__).parent / "defaults"
EVENT_TYPES = ("track", "page", "screen", "identify", "alias")


class ConfigError(ValueError):
    """A definitions file is invalid; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Activity(_Strict):
    event_types: list[Literal["track", "page", "screen"]] = ["track", "page", "screen"]
    exclude_event_names: list[str] = []

    @field_validator("event_types")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one activity event type is required")
        return value


class Retention(_Strict):
    brackets: list[tuple[int, int]] = [
        (0, 0),
        (1, 1),
        (2, 7),
        (8, 14),
        (15, 30),
        (31, 60),
        (61, 90),
    ]
    max_offsets: dict[Literal["day", "week", "month"], int] = {"day": 30, "week": 12, "month": 12}
    segments: list[Literal["signup_method", "utm_source", "platform"]] = [
        "signup_method",
        "utm_source",
        "platform",
    ]

    @field_validator("brackets")
    @classmethod
    def _ordered_brackets(cls, value: list[tuple[int, int]]) -> list[tuple[int, int]]:
        previous_high = -1
        for low, high in value:
            if low > high or low != previous_high + 1:
                raise ValueError(
                    f"bracket [{low}, {high}] must start right after the previous one ({previous_high}) and have low <= high"
                )
            previous_high = high
        return value

    @property
    def bracket_labels(self) -> list[str]:
        return [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.brackets]


class FunnelStep(_Strict):
    name: str
    event_name: str | None = None
    event_type: Literal["track", "page", "screen"] | None = None

    @model_validator(mode="after")
    def _has_matcher(self) -> FunnelStep:
        if self.event_name is None and self.event_type is None:
            raise ValueError(f"funnel step {self.name!r} needs event_name or event_type")
        return self


class Funnel(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    window_days: int = Field(default=14, gt=0)
    steps: list[FunnelStep] = Field(min_length=2)


class ChannelRule(_Strict):
    channel: str
    source: str = ".*"
    medium: str = ".*"

    @field_validator("source", "medium")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return value


class Model(_Strict):
    horizon_days: int = Field(default=28, gt=0)
    top_events: list[str] = []
    training_snapshots: int = Field(default=4, ge=1)
    snapshot_spacing_days: int = Field(default=14, gt=0)
    min_positives: int = Field(default=1000, ge=1)
    min_negatives: int = Field(default=1000, ge=1)
    # Training rows beyond this are a deterministic hash sample of (user, snapshot).
    max_training_rows: int = Field(default=500_000, ge=1000)


class Definitions(_Strict):
    activity: Activity = Activity()
    retention: Retention = Retention()
    funnels: list[Funnel] = []
    channels: list[ChannelRule] = []
    model: Model = Model()
    source_path: str | None = None

    @field_validator("funnels")
    @classmethod
    def _unique_funnels(cls, value: list[Funnel]) -> list[Funnel]:
        names = [f.name for f in value]
        if len(names) != len(set(names)):
            raise ValueError(f"funnel names must be unique, got {names}")
        return value

    @cached_property
    def channel_rules(self) -> list[tuple[str, re.Pattern[str], re.Pattern[str]]]:
        return [
            (r.channel, re.compile(r.source, re.I), re.compile(r.medium, re.I))
            for r in self.channels
        ]

    def channel_for(self, source: str | None, medium: str | None) -> str:
        """Python twin of the SQL channel mapping, for tests and previews."""
        for channel, source_re, medium_re in self.channel_rules:
            if source_re.fullmatch(source or "") and medium_re.fullmatch(medium or ""):
                return channel
        return "Other"


def find_config_file(name: str, home: Path | None = None) -> Path:
    """The user's ``name`` in the working directory, then ``home``, else the packaged default."""
    candidates = [Path.cwd() / name]
    if home is not None:
        candidates.append(home / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return DEFAULTS_DIR / name


def read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def format_validation_error(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid definitions"]
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)


def load_definitions(path: Path | None = None, home: Path | None = None) -> Definitions:
    path = path or find_config_file("retainly.yaml", home)
    data = read_yaml(path)
    try:
        return Definitions.model_validate({**data, "source_path": str(path)})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from exc
