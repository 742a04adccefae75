"""The ``retainly`` command as users type it."""

from __future__ import annotations

import datetime as dt

from pipelines.cli import main
from pipelines.warehouse import connect


def test_generate_then_run_selected_assets_then_doctor(settings, capsys):
    assert (
        main(["generate", "--users", "300", "--days", "5", "--seed", "3", "--start", "2024-03-04"])
        == 0
    )
    names = sorted(p.name for p in settings.events_dir.iterdir())
    assert names == [f"2024-03-{d:02d}.jsonl.gz" for d in range(4, 9)]

    assert (
        main(["run", "--select", 'key:"raw/events" or key:"core/*"', "--as-of", "2024-03-06"]) == 0
    )
    out = capsys.readouterr().out
    assert "ingested partitions 2024-03-04 .. 2024-03-06" in out
    with connect(settings.warehouse_path, read_only=True) as conn:
        loaded = conn.execute(
            "SELECT min(event_date), max(source_file) FROM core.events WHERE source = 'segment'"
        ).fetchone()
        assert loaded[1] == "2024-03-06.jsonl.gz"  # files after --as-of wait
        assert loaded[0] >= dt.date(2024, 3, 4) - dt.timedelta(days=1)
        users = conn.execute("SELECT count(*) FROM core.users").fetchone()[0]
        assert 0 < users <= 300

    for name in ("events.json", "2024-02-30.jsonl", ".2024-03-09.jsonl.gz.tmp"):
        (settings.events_dir / name).write_text("{}\n")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "event files                      5 (2024-03-04 .. 2024-03-08)" in out
    # A writer's hidden temp file is not reported; misnamed files are.
    assert (
        "not loaded: 2 file(s) not named YYYY-MM-DD*.jsonl[.gz]: 2024-02-30.jsonl, events.json"
        in out
    )
    assert "warehouse                        present" in out


def test_invalid_definitions_give_a_clear_error_and_exit_code_2(settings, capsys):
    (settings.home).mkdir(parents=True, exist_ok=True)
    (settings.home / "retainly.yaml").write_text("activity:\n  event_types: [click]\n")
    assert main(["doctor"]) == 2
    err = capsys.readouterr().err
    assert "retainly.yaml: invalid definitions" in err and "activity.event_types.0" in err


def test_too_little_data_for_a_model_warns_and_everything_else_builds(settings, capsys):
    """Like GA4's predictive metrics: 40 days cannot train a 28-day-horizon model; the run
    still builds every asset (empty scores, no audience files, serving, dashboards), warns
    with the reason and exits 0."""
    import dagster as dg

    from pipelines.definitions import defs

    assert main(["generate", "--users", "300", "--days", "40", "--seed", "5"]) == 0
    capsys.readouterr()
    assert main(["run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    everything = defs.get_repository_def().asset_graph.get_all_asset_keys()
    assert f"materialized {len(everything)} assets" in lines
    assert (
        "checks with warnings: model/activity_model:trained, model/activity_model:beats_baselines"
        in lines
    )
    assert any(
        line.startswith(
            "  model/activity_model:trained: not enough history to train: a 28-day horizon "
            "needs at least 63 days of data"
        )
        for line in lines
    )
    assert not any(line.startswith(("failed", "not materialized")) for line in lines)
    with connect(settings.warehouse_path, read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM marts.activity_scores").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM marts.model_lift").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM marts.audience_members").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM marts.active_users").fetchone()[0] >= 39
    assert not settings.exports_dir.exists()
    assert dg.AssetKey(["serving", "grafana_dashboards"]) in everything


def test_a_failing_step_is_reported_and_the_rest_still_builds(settings, capsys):
    """A step that raises: its error in one line, exit 1, the assets that do not depend on
    it built anyway; leaving the model out of the selection builds everything else."""
    import dagster as dg

    from pipelines.definitions import defs

    without_model = "not group:model and not group:audiences"
    assert main(["generate", "--users", "300", "--days", "20", "--seed", "5"]) == 0
    capsys.readouterr()
    assert main(["run", "--as-of", "2030-01-01"]) == 1
    lines = capsys.readouterr().out.splitlines()
    failed = [line for line in lines if line.startswith("failed: ")]
    assert len(failed) == 1
    assert failed[0].startswith(
        "failed: model__activity_model: AsOfError: as_of 2030-01-01 is after the last loaded date"
    )
    (not_built,) = [line for line in lines if line.startswith("not materialized: ")]
    not_built = set(not_built.removeprefix("not materialized: ").split(", "))
    assert {"model/activity_model", "marts/activity_scores", "serving/postgres"} <= not_built
    assert not any(
        key.startswith(("core/", "raw/")) or key == "marts/retention" for key in not_built
    )
    with connect(settings.warehouse_path, read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM marts.active_users").fetchone()[0] >= 19

    assert main(["run", "--select", without_model, "--as-of", "2030-01-01"]) == 0
    out = capsys.readouterr().out
    assert "failed" not in out and "not materialized" not in out
    graph = defs.get_repository_def().asset_graph
    selected = dg.AssetSelection.from_string(without_model).resolve(graph)
    assert dg.AssetKey(["serving", "grafana_dashboards"]) in selected
    assert f"materialized {len(selected)} assets" in out
