"""Audience definitions (``audiences.yaml``): who is selected, and where they are sent.

Looked up like ``retainly.yaml`` (working directory, then ``$RETAINLY_HOME``, else the
packaged default). Validated at load with messages that name the offending key: unknown
destinations, empty selections, thresholds out of range, unknown or circular exclusions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.config import (
    ConfigError,
    Definitions,
    find_config_file,
    format_validation_error,
    read_yaml,
)

DESTINATION_NAMES = ("google_ads_mobile", "google_ads_contact", "meta", "tiktok", "kakao_moment")
PLATFORMS = ("ios", "android", "web", "unknown")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Selection(_Strict):
    """Rank eligible users by ``rank_by`` (highest first) and keep the top share or top N
    of those at or above ``min_score``. Without a share or N every user at or above
    ``min_score`` is kept."""

    rank_by: Literal["p_active", "expected_active_days"] = "p_active"
    top_share: float | None = Field(default=None, gt=0, le=1)
    top_n: int | None = Field(default=None, ge=1)
    min_score: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _non_empty(self) -> Selection:
        if self.top_share is None and self.top_n is None and self.min_score is None:
            raise ValueError("selection is empty: set top_share, top_n or min_score")
        if self.top_share is not None and self.top_n is not None:
            raise ValueError("set top_share or top_n, not both")
        if self.rank_by == "p_active" and self.min_score is not None and self.min_score > 1:
            raise ValueError(f"min_score {self.min_score} is above 1, the largest p_active")
        return self


class Filters(_Strict):
    """Segment filters, all optional and combined with AND. Evaluated as of the export date."""

    platforms: list[Literal["ios", "android", "web", "unknown"]] | None = Field(
        default=None, min_length=1
    )
    channels: list[str] | None = Field(default=None, min_length=1)
    signup_methods: list[str] | None = Field(default=None, min_length=1)
    paid: bool | None = None
    active_within_days: int | None = Field(default=None, ge=1)


class Audience(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    description: str = ""
    # 'exclusion' marks a list meant for ad platforms' exclusion targeting (e.g. keep
    # acquisition campaigns away from users who are already active). Recorded, not enforced.
    purpose: Literal["targeting", "exclusion"] = "targeting"
    selection: Selection
    filters: Filters = Filters()
    destinations: list[str] = Field(min_length=1)
    exclude_audience: str | None = None

    @field_validator("destinations")
    @classmethod
    def _known_destinations(cls, value: list[str]) -> list[str]:
        unknown = [d for d in value if d not in DESTINATION_NAMES]
        if unknown:
            raise ValueError(
                f"unknown destination(s) {unknown}; known: {', '.join(DESTINATION_NAMES)}"
            )
        if len(set(value)) != len(value):
            raise ValueError(f"destinations listed twice: {value}")
        return value


class DestinationSettings(_Strict):
    """Per-destination settings shared by every audience."""

    min_size: int | None = Field(default=None, ge=1)
    # Google Ads mobile-ID lists belong to one app; the upload asks for it, so the manifest
    # records it (iOS App Store id or Android package name).
    app_id: str | None = None


class Consent(_Strict):
    # False: a user is removed when ad consent is explicitly denied (NULL = not reported).
    # True: consent must be explicitly granted (required for EEA users by Google's EU
    # user consent policy).
    require_explicit: bool = False


class AudienceConfig(_Strict):
    audiences: list[Audience] = []
    destinations: dict[str, DestinationSettings] = {}
    consent: Consent = Consent()
    source_path: str | None = None

    @field_validator("destinations")
    @classmethod
    def _known_destination_settings(
        cls, value: dict[str, DestinationSettings]
    ) -> dict[str, DestinationSettings]:
        unknown = [d for d in value if d not in DESTINATION_NAMES]
        if unknown:
            raise ValueError(
                f"settings for unknown destination(s) {unknown}; known: {', '.join(DESTINATION_NAMES)}"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AudienceConfig:
        names = [a.name for a in self.audiences]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"audience names must be unique, repeated: {duplicated}")
        by_name = {a.name: a for a in self.audiences}
        for audience in self.audiences:
            seen = [audience.name]
            current = audience
            while current.exclude_audience is not None:
                if current.exclude_audience not in by_name:
                    raise ValueError(
                        f"audience {current.name!r}: exclude_audience {current.exclude_audience!r} is not defined"
                    )
                if current.exclude_audience in seen:
                    raise ValueError(
                        f"circular exclude_audience: {' -> '.join([*seen, current.exclude_audience])}"
                    )
                seen.append(current.exclude_audience)
                current = by_name[current.exclude_audience]
        return self

    def get(self, name: str) -> Audience:
        for audience in self.audiences:
            if audience.name == name:
                return audience
        known = ", ".join(a.name for a in self.audiences) or "(none)"
        raise ConfigError(f"{self.source_path}: no audience named {name!r}; defined: {known}")

    def settings_for(self, destination: str) -> DestinationSettings:
        return self.destinations.get(destination, DestinationSettings())

    def check_channels(self, definitions: Definitions) -> None:
        """Channel filters must name channels that ``retainly.yaml`` can produce."""
        known = {rule.channel for rule in definitions.channels} | {"Other"}
        for audience in self.audiences:
            unknown = sorted(set(audience.filters.channels or []) - known)
            if unknown:
                raise ConfigError(
                    f"{self.source_path}: audience {audience.name!r}: unknown channel(s) {unknown}; "
                    f"channels in {definitions.source_path}: {', '.join(sorted(known))}"
                )


def load_audiences(path: Path | None = None, home: Path | None = None) -> AudienceConfig:
    path = path or find_config_file("audiences.yaml", home)
    data = read_yaml(path)
    try:
        return AudienceConfig.model_validate({**data, "source_path": str(path)})
    except ValidationError as exc:
        raise ConfigError(
            format_validation_error(path, exc).replace("invalid definitions", "invalid audiences")
        ) from exc
