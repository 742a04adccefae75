"""The on-disk model registry: ``$RETAINLY_HOME/models/activity/<version>/``.

A version directory holds the two LightGBM model files, ``features.json`` (feature
list, top events, horizon), ``calibration.json``, ``training_window.json``,
``metrics.json``, ``model_card.md`` and ``evaluation.png``. Versions are UTC timestamps
(``20260504T101500Z``), so "latest" is the greatest name. A version is written into a
hidden temp directory and renamed into place only when complete: a failed or
interrupted training never leaves a partial version.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.activity.card import model_card
from models.activity.errors import ModelVersionNotFoundError
from models.activity.model import ActivityModel
from models.activity.train import TrainingResult

VERSION_PATTERN = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
TRAINING_WINDOW_FILE = "training_window.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "model_card.md"
PLOT_FILE = "evaluation.png"


def activity_root(models_dir: Path) -> Path:
    return Path(models_dir) / "activity"


def list_versions(root: Path) -> list[str]:
    """Complete versions, oldest first (temp directories are ignored)."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and VERSION_PATTERN.match(p.name))


def resolve_version(root: Path, version: str | None = None) -> str:
    """``version`` if it exists, else the latest; a clear error when there is none."""
    versions = list_versions(root)
    if version is None or version == "latest":
        if not versions:
            raise ModelVersionNotFoundError(
                f"no activity model in {root}: train one first (asset model/activity_model)"
            )
        return versions[-1]
    if version not in versions:
        available = ", ".join(versions[-5:]) or "none"
        raise ModelVersionNotFoundError(
            f"activity model version {version!r} not found in {root} (latest versions: {available})"
        )
    return version


@dataclass
class ModelVersion:
    version: str
    path: Path
    model: ActivityModel
    metrics: dict[str, Any]
    training_window: dict[str, Any]


def load_version(root: Path, version: str | None = None) -> ModelVersion:
    name = resolve_version(root, version)
    path = root / name
    return ModelVersion(
        version=name,
        path=path,
        model=ActivityModel.load(path),
        metrics=json.loads((path / METRICS_FILE).read_text()),
        training_window=json.loads((path / TRAINING_WINDOW_FILE).read_text()),
    )


def _new_version_name(root: Path, now: dt.datetime) -> str:
    base = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name, n = base, 1
    while (root / name).exists():
        name, n = f"{base}-{n}", n + 1
    return name


def save_version(
    root: Path, result: TrainingResult, now: dt.datetime | None = None
) -> ModelVersion:
    """Write a new version atomically (temp directory, then rename) and return it."""
    root.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC)
    temp = root / f".tmp-{uuid.uuid4().hex}"
    temp.mkdir()
    try:
        version = _new_version_name(root, now)
        training_window = {
            **result.training_window,
            "version": version,
            "trained_at": now.isoformat(),
        }
        result.model.save(temp)
        result.model.compile(temp)  # the compiled boosters ship with the version
        (temp / TRAINING_WINDOW_FILE).write_text(json.dumps(training_window, indent=2) + "\n")
        (temp / METRICS_FILE).write_text(json.dumps(result.metrics, indent=2) + "\n")
        (temp / PLOT_FILE).write_bytes(result.evaluation_png)
        card = model_card(version, result.model, result.metrics, training_window, PLOT_FILE)
        (temp / CARD_FILE).write_text(card)
        os.rename(temp, root / version)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return ModelVersion(version, root / version, result.model, result.metrics, training_window)
