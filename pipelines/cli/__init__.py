"""The ``retainly`` command. Each module in this package adds one subcommand.

A module defines ``register(subparsers)`` which adds its parser and sets
``func`` to a callable taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import warnings

from pipelines.config import ConfigError
from pipelines.settings import SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="retainly", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # Dagster's beta/preview notices are for library authors, not for people running the pipeline.
    warnings.filterwarnings("ignore", module=r"dagster(\.|$)")
    warnings.filterwarnings("ignore", message=r".*(beta|preview|deprecated).*")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ConfigError, SettingsError) as exc:
        print(f"retainly: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
