"""Run a benchmark phase in a fresh subprocess and report its wall time and peak RSS.

Each phase gets its own process so peak memory is that phase's alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PHASE_RUNNER = """
import json, resource, sys, time, importlib
module, func, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
fn = getattr(importlib.import_module(module), func)
start = time.perf_counter()
extra = fn(**kwargs) or {}
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("@@RESULT@@" + json.dumps({"seconds": seconds, "peak_mb": peak_mb, **extra}))
"""


def run_phase(module: str, func: str, **kwargs) -> dict:
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-c", PHASE_RUNNER, module, func, json.dumps(kwargs, default=str)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module}.{func} failed:\n{proc.stderr[-4000:]}")
    line = next(line for line in proc.stdout.splitlines() if line.startswith("@@RESULT@@"))
    return json.loads(line.removeprefix("@@RESULT@@"))


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
