"""Run a dashboard's queries the way Grafana would: resolve the template variables (query
variables run against the database, defaults as on first load), expand the macros for a time
range, execute. Used by the tests and by ``dashboards.render``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from dashboards.macros import TimeRange, Variable, expand

ALL = "$__all"


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every non-row panel, including panels nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def query(conn, sql: str) -> pd.DataFrame:
    """Run one statement on a psycopg connection (no parameter parsing, like Grafana)."""
    with conn.cursor() as cur:
        cur.execute(sql)
        columns = [d.name for d in cur.description] if cur.description else []
        rows = cur.fetchall() if cur.description else []
    return pd.DataFrame.from_records(rows, columns=columns)


def resolve_variables(
    dashboard: dict[str, Any], conn, time_range: TimeRange
) -> dict[str, Variable]:
    """The values each variable has when the dashboard first loads, in declaration order."""
    resolved: dict[str, Variable] = {}
    for variable in dashboard.get("templating", {}).get("list", []):
        multi = bool(variable.get("multi") or variable.get("includeAll"))
        if variable["type"] == "custom":
            options = [o["value"] for o in variable["options"]]
            current = variable.get("current", {}).get("value", options[0])
            current = current if isinstance(current, list) else [current]
            values = options if ALL in current else current
        elif variable["type"] == "query":
            frame = query(conn, expand(variable["query"], time_range, resolved))
            options = [str(v) for v in frame.iloc[:, 0].tolist()] if not frame.empty else []
            current = variable.get("current", {}).get("value")
            wants_all = (
                variable.get("includeAll")
                and current
                and ALL in (current if isinstance(current, list) else [current])
            )
            values = options if wants_all or not options else options[:1]
        else:
            raise ValueError(f"variable {variable['name']}: unsupported type {variable['type']}")
        resolved[variable["name"]] = Variable(values=values, multi=multi)
    return resolved


def run_panel(
    panel: dict[str, Any], conn, time_range: TimeRange, variables: dict[str, Variable]
) -> list[pd.DataFrame]:
    """One frame per query target of the panel."""
    return [
        query(conn, expand(t["rawSql"], time_range, variables)) for t in panel.get("targets", [])
    ]
