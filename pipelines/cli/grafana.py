"""``retainly grafana build|push|postgres`` — dashboards as code and the serving database."""

from __future__ import annotations

import signal
import sys

from pipelines.settings import load_settings


def build(args) -> int:
    from dashboards.build import write_generated

    for path in write_generated():
        print(f"wrote {path}")
    return 0


def push(args) -> int:
    from dashboards.build import build_all
    from dashboards.provision import ProvisionError, connect
    from dashboards.provision import push as push_dashboards
    from pipelines.serving.target import grafana_datasource

    settings = load_settings()
    url = args.url or settings.grafana_url
    if not url:
        print(
            "retainly: GRAFANA_URL is not set (or pass --url); file provisioning: see docs/grafana.md",
            file=sys.stderr,
        )
        return 2
    try:
        report = push_dashboards(
            connect(url, settings.grafana_token), build_all(), grafana_datasource(settings)
        )
    except ProvisionError as exc:
        print(f"retainly: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def postgres(args) -> int:
    """Run the embedded serving database in the foreground, for a local Grafana."""
    from pipelines.serving.target import DATABASE, READER_ROLE, reader_password, serving_target

    settings = load_settings()
    if settings.serving_url:
        print("retainly: RETAINLY_SERVING_URL is set; nothing to run", file=sys.stderr)
        return 2
    with serving_target(settings) as target:
        print(
            f"embedded PostgreSQL on {target.host}, database {DATABASE}, Grafana user {READER_ROLE}"
        )
        print(
            f"password: ${{RETAINLY_GRAFANA_DB_PASSWORD}} (default for the demo: {reader_password(True)!r})"
        )
        print("Ctrl-C to stop")
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            while True:
                signal.pause()
        except KeyboardInterrupt:
            print("stopping")
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "grafana", help="Grafana dashboards: build the JSON, push it, run the serving database"
    )
    commands = parser.add_subparsers(dest="grafana_command", required=True)
    commands.add_parser("build", help="write dashboards/generated/*.json").set_defaults(func=build)
    push_parser = commands.add_parser(
        "push", help="create or update the folder, datasource and dashboards via the API"
    )
    push_parser.add_argument("--url", help="Grafana URL (default: GRAFANA_URL)")
    push_parser.set_defaults(func=push)
    commands.add_parser(
        "postgres", help="run the embedded serving PostgreSQL until Ctrl-C"
    ).set_defaults(func=postgres)
