"""The short report printed at the end of ``retainly demo``."""

from __future__ import annotations

from pathlib import Path

from pipelines.settings import Settings
from pipelines.warehouse import connect


def warehouse_summary(settings: Settings) -> list[str]:
    lines = [f"warehouse: {settings.warehouse_path}"]
    with connect(settings.warehouse_path, read_only=True) as conn:
        # Tables and views alike (core.user_days is a view over core.user_activity).
        relations = conn.execute(
            """
            SELECT schema_name || '.' || table_name, '' FROM duckdb_tables() WHERE NOT temporary
            UNION ALL
            SELECT schema_name || '.' || view_name, ' (view)' FROM duckdb_views()
            WHERE NOT temporary AND NOT internal AND database_name = current_database()
            ORDER BY 1
            """
        ).fetchall()
        tables = [name for name, _ in relations]
        for name, kind in relations:
            count = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            lines.append(f"  {name:40} {count:>12,} rows{kind}")
        if "marts.active_users" in tables:
            row = conn.execute(
                "SELECT date, dau, wau, mau, dau_mau FROM marts.active_users ORDER BY date DESC LIMIT 1"
            ).fetchone()
            if row:
                lines.append(
                    f"latest day {row[0]}: DAU {row[1]:,}  WAU {row[2]:,}  MAU {row[3]:,}  DAU/MAU {row[4]:.3f}"
                )
    return lines


def outputs_summary(settings: Settings, repo_root: Path) -> list[str]:
    exports = sorted(settings.exports_dir.rglob("*.csv")) if settings.exports_dir.exists() else []
    dashboards = sorted((repo_root / "dashboards" / "generated").glob("*.json"))
    lines = [f"audience exports: {len(exports)} files under {settings.exports_dir}"]
    lines += [f"  {p.relative_to(settings.exports_dir)}" for p in exports[:12]]
    lines.append(
        f"dashboards: {len(dashboards)} JSON files in {repo_root / 'dashboards' / 'generated'}"
    )
    versions = (
        sorted(p.name for p in (settings.models_dir / "activity").glob("[!.]*"))
        if settings.models_dir.exists()
        else []
    )
    lines.append(
        f"activity model: {len(versions)} version(s) in {settings.models_dir / 'activity'}"
        + (f", latest {versions[-1]}" if versions else "")
    )
    serving = (
        "RETAINLY_SERVING_URL"
        if settings.serving_url
        else f"embedded PostgreSQL in {settings.pg_dir} (start it for Grafana: retainly grafana postgres)"
    )
    lines.append(f"marts published to schema serving on {serving}")
    return lines
