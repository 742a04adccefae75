"""Shared dashboard defaults: the datasource, panel constructors, variables and layout.

Every panel reads PostgreSQL schema ``serving`` through the datasource with uid
``retainly-pg``. Dates in the marts are already local calendar dates (the reporting time
zone), so dashboards use ``timezone: utc`` to show them as they are stored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DATASOURCE_UID = "retainly-pg"
DATASOURCE_TYPE = "grafana-postgresql-datasource"
DATASOURCE = {"type": DATASOURCE_TYPE, "uid": DATASOURCE_UID}
FOLDER_TITLE = "Retainly"
FOLDER_UID = "retainly"
SCHEMA_VERSION = 41  # Grafana 12
GRID_WIDTH = 24
TAGS = ["retainly"]
BENCHMARKS_FILE = Path(__file__).with_name("benchmarks.yaml")

Panel = dict[str, Any]


# -- benchmarks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Benchmark:
    title: str
    bands: list[dict[str, Any]]
    sources: list[dict[str, str]]

    def thresholds(self) -> dict[str, Any]:
        steps = [
            {"color": b["color"], "value": None if i == 0 else float(b["from"])}
            for i, b in enumerate(self.bands)
        ]
        return {"mode": "absolute", "steps": steps}

    def describe(self) -> str:
        bands = "; ".join(f"{b['label']}: from {float(b['from']):.1%}" for b in self.bands)
        cites = " ".join(f"[{s['name']}]({s['url']})" for s in self.sources)
        return f"Reference bands — {bands}. Sources: {cites} Configurable in dashboards/benchmarks.yaml."


def load_benchmarks(path: Path | None = None) -> dict[str, Benchmark]:
    path = path or Path(os.environ.get("RETAINLY_BENCHMARKS", BENCHMARKS_FILE))
    raw = yaml.safe_load(path.read_text())
    out = {}
    for key, spec in raw.items():
        bands = spec.get("bands") or []
        if not bands or any(
            float(a["from"]) >= float(b["from"]) for a, b in zip(bands, bands[1:], strict=False)
        ):
            raise ValueError(f"{path}: {key}: bands must be listed with increasing 'from'")
        if not spec.get("sources"):
            raise ValueError(f"{path}: {key}: every benchmark must cite at least one source")
        out[key] = Benchmark(title=spec["title"], bands=bands, sources=spec["sources"])
    return out


# -- queries and panels -------------------------------------------------------------------


def target(sql: str, fmt: str = "table", ref_id: str = "A") -> dict[str, Any]:
    return {
        "datasource": DATASOURCE,
        "editorMode": "code",
        "format": fmt,
        "rawQuery": True,
        "rawSql": _dedent(sql),
        "refId": ref_id,
    }


def panel(
    kind: str,
    title: str,
    sql: str,
    *,
    description: str,
    w: int = 12,
    h: int = 8,
    unit: str | None = None,
    options: dict[str, Any] | None = None,
    custom: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
    overrides: list[dict[str, Any]] | None = None,
    transformations: list[dict[str, Any]] | None = None,
) -> Panel:
    """A panel with one SQL query. ``gridPos`` x/y and ``id`` are filled in by ``layout``."""
    field_defaults: dict[str, Any] = {"custom": custom or {}}
    if unit:
        field_defaults["unit"] = unit
    field_defaults.update(defaults or {})
    fmt = "time_series" if kind == "timeseries" else "table"
    out: Panel = {
        "datasource": DATASOURCE,
        "description": description,
        "fieldConfig": {"defaults": field_defaults, "overrides": overrides or []},
        "gridPos": {"h": h, "w": w, "x": 0, "y": 0},
        "options": options or {},
        "targets": [target(sql, fmt)],
        "title": title,
        "type": kind,
    }
    if transformations:
        out["transformations"] = transformations
    return out


def timeseries(
    title: str, sql: str, *, description: str, stack: bool = False, bars: bool = False, **kw
) -> Panel:
    custom = {
        "drawStyle": "bars" if bars else "line",
        "fillOpacity": 60 if bars else 10,
        "lineWidth": 2,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"group": "A", "mode": "normal" if stack else "none"},
    }
    custom.update(kw.pop("custom", {}) or {})
    options = {
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    return panel(
        "timeseries", title, sql, description=description, custom=custom, options=options, **kw
    )


def with_bands(p: Panel, benchmark: Benchmark) -> Panel:
    """Color a panel by a benchmark's bands and cite the sources in its description."""
    p["fieldConfig"]["defaults"]["thresholds"] = benchmark.thresholds()
    if p["type"] == "timeseries":
        p["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] = {"mode": "dashed+area"}
    else:
        p["fieldConfig"]["defaults"]["color"] = {"mode": "thresholds"}
    p["description"] = f"{p['description']}\n\n{benchmark.describe()}"
    return p


def stat(title: str, sql: str, *, description: str, w: int = 6, h: int = 4, **kw) -> Panel:
    options = {
        "colorMode": "background" if "defaults" in kw else "value",
        "graphMode": "area",
        "justifyMode": "auto",
        "orientation": "auto",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "textMode": "auto",
    }
    return panel("stat", title, sql, description=description, w=w, h=h, options=options, **kw)


def barchart(
    title: str,
    sql: str,
    *,
    description: str,
    x_field: str,
    horizontal: bool = False,
    stack: bool = False,
    **kw,
) -> Panel:
    options = {
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
        "orientation": "horizontal" if horizontal else "auto",
        "stacking": "normal" if stack else "none",
        "xField": x_field,
        "xTickLabelRotation": 0,
        "showValue": "auto",
        "tooltip": {"mode": "multi", "sort": "none"},
    }
    return panel(
        "barchart",
        title,
        sql,
        description=description,
        options=options,
        custom={"fillOpacity": 80},
        **kw,
    )


def table(title: str, sql: str, *, description: str, **kw) -> Panel:
    options = {
        "cellHeight": "sm",
        "showHeader": True,
        "footer": {"show": False, "reducer": ["sum"], "fields": ""},
    }
    return panel("table", title, sql, description=description, options=options, **kw)


def piechart(title: str, sql: str, *, description: str, **kw) -> Panel:
    options = {
        "legend": {
            "displayMode": "table",
            "placement": "right",
            "showLegend": True,
            "values": ["value", "percent"],
        },
        "pieType": "donut",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": True},
        "tooltip": {"mode": "single", "sort": "none"},
    }
    return panel("piechart", title, sql, description=description, options=options, **kw)


def trend(title: str, sql: str, *, description: str, x_field: str, **kw) -> Panel:
    """Lines over a numeric x axis (e.g. retention by period offset), one series per numeric column."""
    custom = {
        "drawStyle": "line",
        "lineWidth": 2,
        "showPoints": "always",
        "pointSize": 4,
        "spanNulls": False,
    }
    options = {
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
        "xField": x_field,
    }
    return panel("trend", title, sql, description=description, options=options, custom=custom, **kw)


def histogram(
    title: str, sql: str, *, description: str, bucket_size: float | None = None, **kw
) -> Panel:
    options = {
        "combine": False,
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
    }
    if bucket_size:
        options["bucketSize"] = bucket_size
    return panel(
        "histogram",
        title,
        sql,
        description=description,
        options=options,
        custom={"fillOpacity": 80},
        **kw,
    )


def heatmap(title: str, sql: str, *, description: str, **kw) -> Panel:
    """A pre-bucketed heatmap: a ``time`` column and one numeric column per y bucket."""
    options = {
        "calculate": False,
        "cellGap": 1,
        "cellValues": {"unit": "percentunit", "decimals": 0},
        "color": {
            "mode": "scheme",
            "scheme": "Blues",
            "steps": 64,
            "exponent": 0.5,
            "fill": "dark-blue",
            "reverse": False,
            "min": 0,
            "max": 1,
        },
        "legend": {"show": True},
        "rowsFrame": {"layout": "auto", "value": "retention"},
        "showValue": "auto",
        "tooltip": {"mode": "single", "yHistogram": False, "showColorScale": True},
        "yAxis": {"axisPlacement": "left", "reverse": True, "unit": "short"},
    }
    return panel("heatmap", title, sql, description=description, options=options, **kw)


# -- template variables -------------------------------------------------------------------


def custom_variable(
    name: str, label: str, values: list[str], current: str | None = None
) -> dict[str, Any]:
    current = current or values[0]
    return {
        "current": {"selected": True, "text": current, "value": current},
        "hide": 0,
        "includeAll": False,
        "label": label,
        "multi": False,
        "name": name,
        "options": [{"selected": v == current, "text": v, "value": v} for v in values],
        "query": ",".join(values),
        "skipUrlSync": False,
        "type": "custom",
    }


def query_variable(
    name: str, label: str, sql: str, *, multi: bool = False, include_all: bool = False
) -> dict[str, Any]:
    """Values from a query; re-read on dashboard load. Multi-value ones expand to ``'a','b'``."""
    sql = _dedent(sql)
    variable = {
        "current": {},
        "datasource": DATASOURCE,
        "definition": sql,
        "hide": 0,
        "includeAll": include_all,
        "label": label,
        "multi": multi,
        "name": name,
        "options": [],
        "query": sql,
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    }
    if include_all:
        variable["current"] = {"selected": True, "text": ["All"], "value": ["$__all"]}
    return variable


SEGMENT_TYPES = ["all", "signup_method", "utm_source", "platform"]


def segment_variables(table: str = "retention") -> list[dict[str, Any]]:
    return [
        custom_variable("segment_type", "Segment type", SEGMENT_TYPES),
        query_variable(
            "segment_value",
            "Segment value",
            f"SELECT DISTINCT segment_value FROM serving.{table} WHERE segment_type = '$segment_type' ORDER BY 1",
        ),
    ]


def cohort_grain_variable(current: str = "week") -> dict[str, Any]:
    return custom_variable("cohort_grain", "Cohort grain", ["day", "week", "month"], current)


def method_variable() -> dict[str, Any]:
    return custom_variable("method", "Retention method", ["n_day", "rolling", "range"])


def channel_variable() -> dict[str, Any]:
    return query_variable(
        "channel",
        "Channel",
        "SELECT DISTINCT channel FROM serving.acquisition_daily ORDER BY 1",
        multi=True,
        include_all=True,
    )


# -- dashboards ---------------------------------------------------------------------------


def row(title: str) -> Panel:
    return {
        "collapsed": False,
        "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": 0},
        "panels": [],
        "title": title,
        "type": "row",
    }


def layout(panels: list[Panel]) -> list[Panel]:
    """Place panels left to right, wrapping at 24 columns; a row starts a new line. Ids from 1."""
    x = y = line_height = 0
    for number, p in enumerate(panels, start=1):
        pos = p["gridPos"]
        if p["type"] == "row":
            y += line_height
            pos["x"], pos["y"] = 0, y
            y += pos["h"]
            x = line_height = 0
        else:
            if x + pos["w"] > GRID_WIDTH:
                y += line_height
                x = line_height = 0
            pos["x"], pos["y"] = x, y
            x += pos["w"]
            line_height = max(line_height, pos["h"])
        p["id"] = number
    return panels


def dashboard(
    uid: str,
    title: str,
    description: str,
    panels: list[Panel],
    variables: list[dict[str, Any]],
    time_from: str = "now-90d",
) -> dict[str, Any]:
    return {
        "annotations": {"list": []},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "links": [
            {
                "asDropdown": True,
                "icon": "external link",
                "includeVars": False,
                "keepTime": True,
                "tags": TAGS,
                "targetBlank": False,
                "title": "Retainly",
                "type": "dashboards",
            }
        ],
        "panels": layout(panels),
        "refresh": "",
        "schemaVersion": SCHEMA_VERSION,
        "tags": TAGS,
        "templating": {"list": variables},
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "timezone": "utc",
        "title": title,
        "uid": uid,
        "version": 1,
    }


def _dedent(sql: str) -> str:
    lines = [line.rstrip() for line in sql.strip("\n").splitlines()]
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines).strip()
