"""``retainly audience list`` and ``retainly audience export NAME [--as-of DATE]``.

Export runs the same functions as the Dagster assets (``marts.audience_members`` then the
files), for one audience and the exclusion audiences it depends on.
"""

import datetime as dt
import sys

import duckdb

from pipelines.audiences.config import AudienceConfig, load_audiences
from pipelines.audiences.export import export_audience
from pipelines.audiences.members import AudienceError, build_members, resolve_as_of
from pipelines.config import load_definitions
from pipelines.settings import load_settings
from pipelines.warehouse import connect, table_exists


def _describe(config: AudienceConfig) -> list[str]:
    lines = [f"audiences from {config.source_path}"]
    for a in config.audiences:
        s, f = a.selection, a.filters
        pick = (
            f"top {s.top_share:.0%}"
            if s.top_share is not None
            else f"top {s.top_n}"
            if s.top_n
            else "all"
        )
        pick += f" by {s.rank_by}" + (
            f", {s.rank_by} >= {s.min_score}" if s.min_score is not None else ""
        )
        filters = [f"{k}={v}" for k, v in f.model_dump(exclude_none=True).items()]
        lines.append(
            f"  {a.name} ({a.purpose}): {pick}" + (f"; {', '.join(filters)}" if filters else "")
        )
        if a.exclude_audience:
            lines.append(f"    excluding members of {a.exclude_audience}")
        lines.append(f"    → {', '.join(a.destinations)}")
    return lines


def list_audiences(args) -> int:
    settings = load_settings()
    config = load_audiences(home=settings.home)
    print("\n".join(_describe(config)))
    if not settings.warehouse_path.exists():
        return 0
    # A plain read-only connection: listing needs no macros (and cannot create them).
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        if not table_exists(conn, "marts.audience_exports"):
            return 0
        rows = conn.execute(
            """
            SELECT audience, as_of, destination, status, "rows", coalesce(reason, '')
            FROM marts.audience_exports
            QUALIFY as_of = max(as_of) OVER (PARTITION BY audience)
            ORDER BY audience, destination
            """
        ).fetchall()
    if rows:
        print("latest exports:")
    for audience, as_of, destination, status, n, reason in rows:
        print(f"  {audience} {as_of} {destination:20} {status:8} {n:>9,} {reason}")
    return 0


def export(args) -> int:
    settings = load_settings()
    config = load_audiences(home=settings.home)
    definitions = load_definitions(home=settings.home)
    config.check_channels(definitions)
    audience = config.get(args.name)
    try:
        with connect(settings.warehouse_path) as conn:
            as_of = resolve_as_of(conn, args.as_of)
            membership = build_members(conn, config, audience.name, as_of, settings, definitions)
            result = export_audience(conn, config, membership, settings)
    except AudienceError as exc:
        print(f"retainly: {exc}", file=sys.stderr)
        return 2
    print(
        f"{audience.name} as of {as_of}: {membership.rows_in:,} selected, {membership.members:,} members "
        f"({membership.entered:,} entered, {membership.left:,} left since {membership.previous_as_of or 'never'})"
    )
    for d in result.destinations:
        detail = f"{d.rows:>9,} rows  {d.file}" if d.status == "written" else f"skipped: {d.reason}"
        print(f"  {d.destination:20} {detail}")
    print(f"manifest: {result.manifest_path}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audience", help="list audiences or export one to ad-platform files"
    )
    commands = parser.add_subparsers(dest="audience_command", required=True)
    listing = commands.add_parser(
        "list", help="audiences defined in audiences.yaml and their latest exports"
    )
    listing.set_defaults(func=list_audiences)
    exporting = commands.add_parser(
        "export", help="build one audience and write its files + manifest.json"
    )
    exporting.add_argument("name")
    exporting.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        help="scores' as_of date (default: the latest scored date)",
    )
    exporting.set_defaults(func=export)
