"""A static render of a generated dashboard with matplotlib, for docs without a Grafana server.

Not a Grafana screenshot: each panel's SQL is run exactly as Grafana would (variables at
their defaults, macros expanded) against the published serving schema and drawn with the
panel's title, position and reference bands from the generated JSON.

    python -m dashboards.render --dashboard retainly-overview --out docs/img/dashboard_overview.png

Uses ``RETAINLY_SERVING_URL`` or the embedded server under ``$RETAINLY_HOME/pg/`` (run
``retainly demo`` first). The time range is the 120 days up to the last loaded date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import psycopg  # noqa: E402

from dashboards.build import GENERATED_DIR  # noqa: E402
from dashboards.macros import TimeRange  # noqa: E402
from dashboards.run import query, resolve_variables, run_panel  # noqa: E402

GRAFANA_COLORS = {
    "red": "#F2495C", "yellow": "#FADE2A", "green": "#73BF69", "dark-green": "#37872D", "orange": "#FF9830",
    "blue": "#5794F2", "purple": "#B877D9", "gray": "#8e8e8e",
}  # fmt: skip
SERIES = ["#73BF69", "#F2CC0C", "#8AB8FF", "#FF780A", "#F2495C", "#5794F2", "#B877D9", "#705DA0"]
BACKGROUND, PANEL_BG, TEXT, GRID = "#111217", "#181b1f", "#ccccdc", "#2c3235"
ROW_HEIGHT_PX = 30


def _numeric(frame: pd.DataFrame, exclude: set[str]) -> list[str]:
    out = []
    for name in frame.columns:
        if name in exclude:
            continue
        values = pd.to_numeric(
            frame[name].map(lambda v: float(v) if isinstance(v, Decimal) else v), errors="coerce"
        )
        if values.notna().any():
            frame[name] = values
            out.append(name)
    return out


def _times(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) or isinstance(values.iloc[0], Decimal):
        return pd.to_datetime(values.astype(float), unit="s", utc=True)
    return pd.to_datetime(values, utc=True)


def _bands(ax, panel: dict[str, Any], horizontal: bool = True) -> None:
    steps = panel["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", [])
    if "Reference bands" not in panel.get("description", "") or not steps:
        return
    bounds = [s["value"] if s["value"] is not None else 0.0 for s in steps]
    top = max(ax.get_ylim()[1], bounds[-1] * 1.25)
    for step, low, high in zip(steps, bounds, [*bounds[1:], top], strict=True):
        ax.axhspan(low, high, color=GRAFANA_COLORS.get(step["color"], "#444"), alpha=0.12, lw=0)
        if low > 0:
            ax.axhline(
                low, color=GRAFANA_COLORS.get(step["color"], "#888"), lw=0.8, ls="--", alpha=0.8
            )
    ax.set_ylim(0, top)


def _style(ax, title: str) -> None:
    ax.set_facecolor(PANEL_BG)
    ax.set_title(title, color=TEXT, fontsize=9, loc="left", pad=6)
    ax.tick_params(colors=TEXT, labelsize=7)
    for spine in ax.spines.values():
        spine.set_color(GRID)
    ax.grid(color=GRID, lw=0.5)


def _percent_axis(ax, panel: dict[str, Any]) -> None:
    if panel["fieldConfig"]["defaults"].get("unit") == "percentunit":
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))


def draw_panel(ax, panel: dict[str, Any], frame: pd.DataFrame) -> None:
    _style(ax, panel["title"])
    kind = panel["type"]
    if frame.empty:
        ax.text(0.5, 0.5, "No data", color=TEXT, ha="center", va="center", transform=ax.transAxes)
        return
    if kind == "stat":
        columns = _numeric(frame, {"time"})
        values = frame[columns[0]].dropna() if columns else pd.Series(dtype=float)
        if values.empty:
            ax.text(
                0.5, 0.5, "No data", color=TEXT, ha="center", va="center", transform=ax.transAxes
            )
            return
        value = float(values.iloc[-1])
        unit = panel["fieldConfig"]["defaults"].get("unit")
        text = f"{value:.1%}" if unit == "percentunit" else f"{value:,.0f}"
        color = TEXT
        steps = panel["fieldConfig"]["defaults"].get("thresholds", {}).get("steps")
        if steps:
            color = GRAFANA_COLORS.get(
                [s for s in steps if s["value"] is None or value >= s["value"]][-1]["color"], TEXT
            )
        ax.text(
            0.5,
            0.45,
            text,
            color=color,
            ha="center",
            va="center",
            fontsize=22,
            fontweight="bold",
            transform=ax.transAxes,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        return
    if kind == "timeseries":
        frame["time"] = _times(frame["time"])
        if "metric" in frame.columns:
            value = _numeric(frame, {"time", "metric"})[0]
            frame = frame.pivot_table(
                index="time", columns="metric", values=value, aggfunc="sum"
            ).reset_index()
        columns = _numeric(frame, {"time"})
        bars = panel["fieldConfig"]["defaults"]["custom"].get("drawStyle") == "bars"
        stacked = (
            panel["fieldConfig"]["defaults"]["custom"].get("stacking", {}).get("mode") == "normal"
        )
        bottom = None
        for i, name in enumerate(columns):
            color = SERIES[i % len(SERIES)]
            if bars:
                values = frame[name].fillna(0)
                ax.bar(
                    frame["time"],
                    values,
                    width=0.8,
                    color=color,
                    label=name,
                    bottom=bottom if stacked else None,
                )
                bottom = values if bottom is None else bottom + values
            else:
                ax.plot(frame["time"], frame[name], color=color, lw=1.5, label=name)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        _percent_axis(ax, panel)
        _bands(ax, panel)
        ax.legend(fontsize=7, facecolor=PANEL_BG, labelcolor=TEXT, edgecolor=GRID, loc="upper left")
        return
    if kind == "barchart":
        x = panel["options"]["xField"]
        columns = _numeric(frame, {x})
        for i, name in enumerate(columns):
            ax.bar(frame[x].astype(str), frame[name], color=SERIES[i % len(SERIES)], label=name)
        _percent_axis(ax, panel)
        return
    ax.text(
        0.5, 0.5, f"({kind} panel)", color=TEXT, ha="center", va="center", transform=ax.transAxes
    )


def render(dashboard: dict[str, Any], conn, time_range: TimeRange, out: Path) -> Path:
    variables = resolve_variables(dashboard, conn, time_range)
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dashboard["panels"])
    width_px, header_px = 1600, 60
    height_px = bottom * ROW_HEIGHT_PX + header_px
    fig = plt.figure(figsize=(width_px / 100, height_px / 100), facecolor=BACKGROUND)
    fig.suptitle(
        f"{dashboard['title']} — static render of the published demo data "
        f"({time_range.start:%Y-%m-%d} – {time_range.end:%Y-%m-%d}), not a Grafana screenshot",
        color=TEXT, fontsize=11, x=0.01, y=1 - 12 / height_px, ha="left", va="top",
    )  # fmt: skip

    def box(
        pos: dict[str, int], pad: tuple[int, int, int, int]
    ) -> tuple[float, float, float, float]:
        """Figure coordinates of a grid box, padded (left, right, top, bottom) in pixels."""
        left_px = pos["x"] / 24 * width_px + pad[0]
        top_px = header_px + pos["y"] * ROW_HEIGHT_PX + pad[2]
        w_px = pos["w"] / 24 * width_px - pad[0] - pad[1]
        h_px = pos["h"] * ROW_HEIGHT_PX - pad[2] - pad[3]
        return (
            left_px / width_px,
            1 - (top_px + h_px) / height_px,
            w_px / width_px,
            h_px / height_px,
        )

    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            fig.text(6 / width_px, 1 - (header_px + panel["gridPos"]["y"] * ROW_HEIGHT_PX + 20) / height_px,
                     panel["title"], color=TEXT, fontsize=11, fontweight="bold")  # fmt: skip
            continue
        ax = fig.add_axes(box(panel["gridPos"], (48, 12, 26, 24)))
        (frame,) = run_panel(panel, conn, time_range, variables)
        draw_panel(ax, panel, frame)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, facecolor=BACKGROUND)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    from pipelines.serving.target import READER_ROLE, reader_password, serving_target
    from pipelines.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboard", default="retainly-overview")
    parser.add_argument("--out", type=Path, default=Path("docs/img/dashboard_overview.png"))
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args(argv)
    dashboard = json.loads((GENERATED_DIR / f"{args.dashboard}.json").read_text())
    with serving_target(load_settings()) as target:
        host, port = target.host.rsplit(":", 1)
        with psycopg.connect(
            host=host, port=int(port), user=READER_ROLE, password=reader_password(target.embedded),
            dbname=target.database, autocommit=True,
        ) as conn:  # fmt: skip
            last = query(conn, "SELECT max(date) AS last FROM serving.active_users")["last"].iloc[0]
            end = dt.datetime.combine(last, dt.time(23, 59, 59), tzinfo=dt.UTC)
            path = render(
                dashboard, conn, TimeRange(end - dt.timedelta(days=args.days), end), args.out
            )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
