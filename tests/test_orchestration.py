"""Schedule, sensor and Dagster definitions: the run requests they produce."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.defs.ingest.schedules import daily_job
from pipelines.defs.ingest.sensors import landing_sensor
from tests.conftest import track, write_events

SEOUL = ZoneInfo("Asia/Seoul")


def test_daily_schedule_runs_yesterday_at_two_local_time():
    from pipelines.definitions import defs

    daily_schedule = defs.resolve_schedule_def("daily_job_schedule")
    assert daily_schedule.cron_schedule == "0 2 * * *"
    assert daily_schedule.execution_timezone == "Asia/Seoul"
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2024, 3, 5, 2, 0, tzinfo=SEOUL)
    )
    requests = daily_schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == ["2024-03-04"]
    assert daily_schedule.job_name == daily_job.name


def test_landing_sensor_requests_new_and_changed_partitions_once(settings):
    write_events(
        settings.events_dir, "2024-03-02", [track("A", "2024-03-02T10:00:00+09:00", user_id="u1")]
    )
    write_events(
        settings.events_dir, "2024-03-03", [track("A", "2024-03-03T10:00:00+09:00", user_id="u1")]
    )
    (settings.events_dir / "2024-03-04.jsonl.gz.tmp").write_text("half written")

    write_events(
        settings.events_dir, "2024-03-05", [track("A", "2024-03-05T10:00:00+09:00", user_id="u1")]
    )
    first = landing_sensor(dg.build_sensor_context(cursor=None))
    # Consecutive days share one run over their range; 2024-03-05 is a run of its own.
    assert [(r.partition_key, r.tags) for r in first.run_requests] == [
        (
            None,
            {
                "dagster/asset_partition_range_start": "2024-03-02",
                "dagster/asset_partition_range_end": "2024-03-03",
            },
        ),
        ("2024-03-05", {}),
    ]

    unchanged = landing_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert unchanged.run_requests == []

    changed = write_events(
        settings.events_dir,
        "2024-03-03",
        [track("B", "2024-03-03T11:00:00+09:00", user_id="u1")] * 2,
    )
    os.utime(changed, (1_800_000_000, 1_800_000_000))
    again = landing_sensor(dg.build_sensor_context(cursor=unchanged.cursor))
    assert [r.partition_key for r in again.run_requests] == ["2024-03-03"]
    assert again.run_requests[0].run_key not in {r.run_key for r in first.run_requests}


def test_a_range_run_from_the_sensor_ingests_every_day_of_the_range(settings):
    from pipelines.definitions import defs
    from pipelines.resources import warehouse_resource
    from pipelines.warehouse import connect

    for day in ("2024-03-02", "2024-03-03", "2024-03-04"):
        write_events(settings.events_dir, day, [track("A", f"{day}T10:00:00+09:00", user_id="u1")])
    (request,) = landing_sensor(dg.build_sensor_context(cursor=None)).run_requests
    result = defs.resolve_job_def("ingest_job").execute_in_process(
        tags=request.tags, resources={"duckdb": warehouse_resource(settings)}
    )
    assert result.success
    with connect(settings.warehouse_path) as conn:
        assert conn.execute("SELECT source_file FROM ops.load_log ORDER BY 1").fetchall() == [
            ("2024-03-02.jsonl.gz",),
            ("2024-03-03.jsonl.gz",),
            ("2024-03-04.jsonl.gz",),
        ]


def test_ingest_asset_runs_one_partition_through_dagster(settings):
    from pipelines.definitions import defs
    from pipelines.resources import warehouse_resource
    from pipelines.warehouse import connect

    write_events(
        settings.events_dir,
        "2024-03-02",
        [track("A", "2024-03-02T10:00:00+09:00", user_id="u1"), "{bad"],
    )
    write_events(
        settings.events_dir, "2024-03-03", [track("A", "2024-03-03T10:00:00+09:00", user_id="u1")]
    )
    result = dg.materialize(
        [*defs.assets, *(defs.asset_checks or [])],
        selection=dg.AssetSelection.assets(["raw", "events"]),
        partition_key="2024-03-02",
        resources={"duckdb": warehouse_resource(settings)},
    )
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert (
        metadata["lines_read"].value,
        metadata["lines_loaded"].value,
        metadata["quarantined"].value,
    ) == (2, 1, 1)
    with connect(settings.warehouse_path) as conn:
        assert conn.execute("SELECT source_file FROM ops.load_log").fetchall() == [
            ("2024-03-02.jsonl.gz",)
        ]


def test_changing_the_reporting_zone_requires_a_reload(settings, monkeypatch, capsys):
    """Local dates are fixed when a file is loaded: after RETAINLY_TIMEZONE changes, core.events
    refuses to mix zones (and doctor says so) until the files are loaded again."""
    from pipelines.cli import main
    from pipelines.definitions import defs
    from pipelines.resources import warehouse_resource
    from pipelines.warehouse import connect

    write_events(
        settings.events_dir, "2024-03-02", [track("A", "2024-03-01T23:30:00Z", user_id="u1")]
    )
    everything = [*defs.assets, *(defs.asset_checks or [])]

    def run(*keys: list[str], partition: str | None = None) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            everything,
            selection=dg.AssetSelection.assets(*keys),
            partition_key=partition,
            resources={"duckdb": warehouse_resource(settings)},
            raise_on_error=False,
        )

    assert run(["raw", "events"], partition="2024-03-02").success  # in Asia/Seoul
    monkeypatch.setenv("RETAINLY_TIMEZONE", "UTC")
    failed = run(["core", "identity_map"], ["core", "events"])
    assert not failed.success
    (failure,) = [e for e in failed.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "files were loaded while it was Asia/Seoul (1 files)" in str(failure.event_specific_data)
    assert main(["doctor"]) == 0
    assert "loaded in another time zone      1 file(s) in Asia/Seoul" in capsys.readouterr().out

    assert run(["raw", "events"], partition="2024-03-02").success  # loaded again, in UTC
    assert run(["core", "identity_map"], ["core", "events"]).success
    with connect(settings.warehouse_path) as conn:
        assert conn.execute(
            "SELECT event_date::VARCHAR, timezone FROM core.events, ops.load_log"
        ).fetchall() == [("2024-03-01", "UTC")]
