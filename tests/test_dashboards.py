"""Dashboards as code: structure of the generated JSON, Grafana's macro expansion, and every
panel's SQL run on the demo marts published to a real (embedded) PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import psycopg
import pytest
import yaml

from dashboards import common
from dashboards.build import GENERATED_DIR, build_all, render_json
from dashboards.macros import MacroError, TimeRange, Variable, expand
from dashboards.run import panels, resolve_variables, run_panel
from pipelines.serving.target import READER_ROLE, reader_password, serving_target

DASHBOARDS = build_all()
PANELS = [(d, p) for d in DASHBOARDS for p in panels(d)]
PROVISIONING = GENERATED_DIR.parent / "provisioning"


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


# -- structure --------------------------------------------------------------------------------


def test_generated_json_is_up_to_date():
    on_disk = {p.name: p.read_text() for p in GENERATED_DIR.glob("*.json")}
    built = {f"{d['uid']}.json": render_json(d) for d in DASHBOARDS}
    assert on_disk == built, "dashboards/generated is stale: run `retainly grafana build`"


def test_dashboard_uids_are_unique_and_stable():
    uids = [d["uid"] for d in DASHBOARDS]
    assert len(set(uids)) == len(uids)
    assert all(re.fullmatch(r"retainly-[a-z0-9-]{1,30}", uid) for uid in uids)
    assert {d["title"].split(" · ")[1] for d in DASHBOARDS} == {
        "Overview", "Retention", "Acquisition", "Funnels and conversion", "Model and audiences", "Data quality"
    }  # fmt: skip


def test_template_variables():
    names = {d["uid"]: [v["name"] for v in d["templating"]["list"]] for d in DASHBOARDS}
    assert {"segment_type", "segment_value", "cohort_grain", "method"} <= set(
        names["retainly-retention"]
    )
    assert "channel" in names["retainly-overview"] and "channel" in names["retainly-acquisition"]
    channel = next(v for v in DASHBOARDS[0]["templating"]["list"] if v["name"] == "channel")
    assert channel["multi"] and channel["includeAll"]
    for d in DASHBOARDS:  # every variable is used by some query or title of its dashboard
        text = json.dumps(d["panels"])
        for name in names[d["uid"]]:
            assert (
                f"${name}" in text
                or f"${{{name}" in text
                or f"${name}" in json.dumps(d["templating"])
            ), (d["uid"], name)


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=lambda d: d["uid"])
def test_dashboard_structure(dashboard):
    assert dashboard["schemaVersion"] == common.SCHEMA_VERSION
    top = dashboard["panels"]
    ids = [p["id"] for p in top] + [
        p["id"] for r in top if r["type"] == "row" for p in r.get("panels", [])
    ]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    boxes = [p["gridPos"] for p in top]
    for box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0 and box["w"] >= 1 and box["h"] >= 1
        assert box["x"] + box["w"] <= common.GRID_WIDTH
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = (
                a["x"] < b["x"] + b["w"]
                and b["x"] < a["x"] + a["w"]
                and a["y"] < b["y"] + b["h"]
                and b["y"] < a["y"] + a["h"]
            )
            assert not overlap, (a, b)
    references = [value for key, value in walk(dashboard) if key == "datasource"]
    assert references and all(r == common.DATASOURCE for r in references)


@pytest.mark.parametrize(
    ("dashboard", "panel"), PANELS, ids=lambda x: x.get("uid") or x.get("title")
)
def test_panel_queries_are_well_formed(dashboard, panel):
    assert panel["description"], "every panel says what it shows"
    (target,) = panel["targets"]
    assert target["format"] == ("time_series" if panel["type"] == "timeseries" else "table")
    tables = re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)\.", target["rawSql"], flags=re.IGNORECASE)
    assert tables and set(tables) == {"serving"}, "panels read the serving schema only"


def test_every_benchmark_is_shown_and_cited():
    benchmarks = common.load_benchmarks()
    descriptions = "\n".join(p["description"] for _, p in PANELS)
    for key, benchmark in benchmarks.items():
        assert all(s["url"] in descriptions for s in benchmark.sources), key
    banded = [p for _, p in PANELS if "Reference bands" in p["description"]]
    assert all(p["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] > 0 for p in banded)


def test_benchmarks_are_configurable(tmp_path, monkeypatch):
    custom = yaml.safe_load(common.BENCHMARKS_FILE.read_text())
    custom["dau_mau"]["bands"][1]["from"] = 0.12
    path = tmp_path / "benchmarks.yaml"
    path.write_text(yaml.safe_dump(custom))
    monkeypatch.setenv("RETAINLY_BENCHMARKS", str(path))
    overview = build_all()[0]
    steps = next(p for p in panels(overview) if p["title"] == "DAU/MAU")["fieldConfig"]["defaults"][
        "thresholds"
    ]["steps"]
    assert steps[1]["value"] == 0.12
    custom["dau_mau"]["sources"] = []
    path.write_text(yaml.safe_dump(custom))
    with pytest.raises(ValueError, match="cite"):
        common.load_benchmarks(path)


def test_file_provisioning_points_at_the_generated_dashboards():
    datasource = yaml.safe_load((PROVISIONING / "datasources" / "retainly.yaml").read_text())[
        "datasources"
    ][0]
    assert (
        datasource["uid"] == common.DATASOURCE_UID and datasource["type"] == common.DATASOURCE_TYPE
    )
    assert datasource["secureJsonData"]["password"] == "${RETAINLY_GRAFANA_DB_PASSWORD}"
    assert datasource["user"] == READER_ROLE
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "retainly.yaml").read_text())[
        "providers"
    ][0]
    assert provider["folder"] == common.FOLDER_TITLE and provider["folderUid"] == common.FOLDER_UID
    compose = (GENERATED_DIR.parents[1] / "deploy" / "docker-compose.yml").read_text()
    assert f"../dashboards/generated:{provider['options']['path']}" in compose


# -- macros -----------------------------------------------------------------------------------

RANGE = TimeRange(
    dt.datetime(2026, 1, 5, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, 12, 30, tzinfo=dt.UTC)
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT $__time(date)", 'SELECT date AS "time"'),
        (
            "WHERE $__timeFilter(date)",
            "WHERE date BETWEEN '2026-01-05T00:00:00Z' AND '2026-02-01T12:30:00Z'",
        ),
        ("$__timeGroupAlias(date, '1d')", 'floor(extract(epoch from date)/86400)*86400 AS "time"'),
        ("$__timeGroup(loaded_at,'5m', 0)", "floor(extract(epoch from loaded_at)/300)*300"),
        ("$__timeGroupAlias(d, $__interval)", 'floor(extract(epoch from d)/3600)*3600 AS "time"'),
        ("$__timeFrom() .. $__timeTo()", "'2026-01-05T00:00:00Z' .. '2026-02-01T12:30:00Z'"),
        ("$__unixEpochFilter(ts)", "ts >= 1767571200 AND ts <= 1769949000"),
        (
            "x = '$single' AND y = '${single}' AND z = '[[single]]'",
            "x = 'o''brien' AND y = 'o''brien' AND z = 'o''brien'",
        ),
        ("channel IN ($multi)", "channel IN ('a','b''c')"),
        (
            "${multi:csv} ${multi:singlequote} ${multi:doublequote}",
            "a,b'c 'a','b''c' \"a\",\"b'c\"",
        ),
        ("$unknown stays", "$unknown stays"),
    ],
)
def test_macro_expansion_matches_grafana(sql, expected):
    variables = {"single": Variable(["o'brien"]), "multi": Variable(["a", "b'c"], multi=True)}
    assert expand(sql, RANGE, variables, interval="1h") == expected


def test_unknown_macros_fail_like_grafana():
    with pytest.raises(MacroError, match="undefined macro"):
        expand("$__nope(x)", RANGE)
    with pytest.raises(MacroError, match="interval"):
        expand("$__timeGroup(x, 'soon')", RANGE)


# -- every panel's SQL on the published demo marts -----------------------------------------------


@contextlib.contextmanager
def as_grafana(settings) -> Iterator[psycopg.Connection]:
    """The embedded server a pipeline run published to, started again, connected to as
    Grafana does: grafana_reader over TCP."""
    with serving_target(settings) as target:
        host, port = target.host.rsplit(":", 1)
        with psycopg.connect(
            host=host, port=int(port), user=READER_ROLE, password=reader_password(target.embedded),
            dbname=target.database, autocommit=True,
        ) as conn:  # fmt: skip
            yield conn


@pytest.fixture(scope="session")
def demo_serving(demo_settings) -> Iterator[psycopg.Connection]:
    """The demo pipeline's marts, published by the serving/postgres asset."""
    with as_grafana(demo_settings) as conn:
        yield conn


@pytest.fixture(scope="session")
def demo_range(demo_serving) -> TimeRange:
    """Wide enough for any demo data, ending now — after the demo was built, as Grafana
    evaluates "now" when it runs a query (load and quarantine times are the build's)."""
    return TimeRange(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime.now(dt.UTC))


@pytest.fixture(scope="session")
def demo_variables(demo_serving, demo_range) -> dict[str, dict[str, Variable]]:
    return {d["uid"]: resolve_variables(d, demo_serving, demo_range) for d in DASHBOARDS}


def numeric_columns(frame: pd.DataFrame, exclude: set[str] = frozenset()) -> list[str]:
    out = []
    for name in frame.columns:
        if name in exclude:
            continue
        values = frame[name].map(lambda v: float(v) if isinstance(v, Decimal) else v)
        if pd.api.types.is_bool_dtype(values):
            continue
        converted = pd.to_numeric(values, errors="coerce")
        if converted.notna().any() and converted.notna().sum() == values.notna().sum():
            out.append(name)
    return out


def check_frame_for_panel(panel: dict[str, Any], frame: pd.DataFrame) -> None:
    kind = panel["type"]
    assert len(frame) > 0, "no rows on the demo data"
    if kind in ("timeseries", "heatmap"):
        assert "time" in frame.columns, "a time series needs a `time` column"
        times = frame["time"].map(lambda v: float(v) if isinstance(v, Decimal) else v)
        assert times.notna().all() and times.is_monotonic_increasing, "rows must be ordered by time"
        assert numeric_columns(frame, {"time"}), "a time series needs a numeric value column"
    elif kind == "trend":
        x = panel["options"]["xField"]
        assert x in numeric_columns(frame), f"trend x field {x!r} must be a numeric column"
        assert numeric_columns(frame, {x}), "a trend needs a numeric y column"
    elif kind == "barchart":
        x = panel["options"]["xField"]
        assert x in frame.columns, f"bar chart x field {x!r} missing"
        assert numeric_columns(frame, {x}), "a bar chart needs a numeric column"
    elif kind in ("stat", "piechart", "histogram"):
        numeric = numeric_columns(frame, {"time"})
        assert numeric, f"a {kind} needs a numeric column"
        assert frame[numeric].notna().any().any(), f"the {kind} would show no value"
    elif kind != "table":
        raise AssertionError(f"no column rule for panel type {kind}")


@pytest.mark.parametrize(
    ("dashboard", "panel"), PANELS, ids=lambda x: x.get("uid") or x.get("title")
)
def test_panel_sql_runs_on_the_published_demo_marts(
    dashboard, panel, demo_serving, demo_range, demo_variables
):
    (frame,) = run_panel(panel, demo_serving, demo_range, demo_variables[dashboard["uid"]])
    check_frame_for_panel(panel, frame)


def test_days_since_last_load_counts_in_the_reporting_zone(demo_serving, demo_range, demo_settings):
    """Today is the reporting zone's date, whatever PostgreSQL's session zone is (here Los
    Angeles, up to 17 hours behind Seoul)."""
    from dashboards.run import query

    (dashboard,) = [d for d in DASHBOARDS if d["uid"] == "retainly-quality"]
    (panel,) = [
        p for p in dashboard["panels"] if p.get("title") == "Days since the last loaded date"
    ]
    last = query(demo_serving, "SELECT max(date) AS last FROM serving.active_users")["last"].iloc[0]
    demo_serving.execute("SET TIME ZONE 'America/Los_Angeles'")
    try:
        (frame,) = run_panel(panel, demo_serving, demo_range, {})
    finally:
        demo_serving.execute("RESET TIME ZONE")
    assert frame["days"].tolist() == [(demo_settings.today() - last).days]


def test_query_variables_have_values_on_the_demo(demo_variables):
    for uid, variables in demo_variables.items():
        for name, variable in variables.items():
            assert variable.values and all(v != "" for v in variable.values), (
                f"{uid}: ${name} has no values"
            )


def test_generated_files_parse_as_json():
    for path in GENERATED_DIR.glob("*.json"):
        assert json.loads(path.read_text())["uid"] == path.stem


def test_static_render_of_the_overview(demo_serving, tmp_path):
    from dashboards.render import render
    from dashboards.run import query

    last = query(demo_serving, "SELECT max(date) AS last FROM serving.active_users")["last"].iloc[0]
    end = dt.datetime.combine(last, dt.time(23, 59), tzinfo=dt.UTC)
    out = render(
        DASHBOARDS[0],
        demo_serving,
        TimeRange(end - dt.timedelta(days=120), end),
        tmp_path / "overview.png",
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small_product_serving(tmp_path_factory) -> Iterator[psycopg.Connection]:
    """A product too small for the activity model (300 users, 40 days) after a full pipeline
    run: the model and audience marts are published empty."""
    from pipelines.generate import generate_demo
    from pipelines.runner import materialize_pipeline
    from pipelines.settings import load_settings
    from tests.conftest import isolated_environment

    home = tmp_path_factory.mktemp("small_product") / "home"
    with pytest.MonkeyPatch.context() as mp:
        isolated_environment(mp, home)
        settings = load_settings()
        generate_demo(
            settings.events_dir, users=300, days=40, seed=5,
            start=dt.date(2026, 1, 5), timezone=settings.timezone,
        )  # fmt: skip
        summary = materialize_pipeline(settings)
        assert not summary.failed and "model/activity_model:trained" in summary.warnings
        with as_grafana(settings) as conn:
            yield conn


def test_every_panel_runs_before_a_model_exists(small_product_serving):
    """Grafana shows empty model panels, not query errors, while the model cannot be trained."""
    time_range = TimeRange(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime.now(dt.UTC))
    empty = set()
    for dashboard in DASHBOARDS:
        variables = resolve_variables(dashboard, small_product_serving, time_range)
        for panel in panels(dashboard):
            frames = run_panel(panel, small_product_serving, time_range, variables)
            if all(len(frame) == 0 for frame in frames):
                empty.add((dashboard["uid"], panel["title"]))
    assert {
        ("retainly-model", "Score distribution (latest as_of)"),
        ("retainly-model", "Lift by decile — $model_version"),
        ("retainly-model", "Calibration — $model_version"),
        ("retainly-model", "Audience members over time"),
    } <= empty
    overview = {p for p in empty if p[0] == "retainly-overview"}
    assert overview == set(), f"overview panels without rows: {overview}"
