"""Build every dashboard and write ``dashboards/generated/<uid>.json``.

``python -m dashboards.build`` (or ``retainly grafana build``) regenerates the files; they are
committed, sorted and indented, so a change to a panel is a readable diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboards import common
from dashboards.panels import acquisition, funnels, model, overview, quality, retention

GENERATED_DIR = Path(__file__).with_name("generated")
BUILDERS: list[Callable[[dict[str, common.Benchmark]], dict[str, Any]]] = [
    overview.dashboard,
    retention.dashboard,
    acquisition.dashboard,
    funnels.dashboard,
    model.dashboard,
    quality.dashboard,
]


def build_all(benchmarks: dict[str, common.Benchmark] | None = None) -> list[dict[str, Any]]:
    benchmarks = benchmarks or common.load_benchmarks()
    return [build(benchmarks) for build in BUILDERS]


def render_json(dashboard: dict[str, Any]) -> str:
    return json.dumps(dashboard, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_generated(
    directory: Path = GENERATED_DIR, dashboards: list[dict[str, Any]] | None = None
) -> list[Path]:
    """Write one file per dashboard (only rewriting files whose content changed) and remove
    generated files of dashboards that no longer exist."""
    directory.mkdir(parents=True, exist_ok=True)
    dashboards = dashboards if dashboards is not None else build_all()
    written = []
    for dashboard in dashboards:
        path = directory / f"{dashboard['uid']}.json"
        text = render_json(dashboard)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        written.append(path)
    for stale in set(directory.glob("*.json")) - set(written):
        stale.unlink()
    return written


def load_generated(directory: Path = GENERATED_DIR) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]


if __name__ == "__main__":
    for path in write_generated():
        print(path)
