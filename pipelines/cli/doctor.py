import duckdb

from pipelines.config import find_config_file, load_definitions
from pipelines.ingest.landing import scan_events_dir
from pipelines.ingest.load import files_loaded_in_other_zones
from pipelines.settings import load_settings
from pipelines.warehouse import connect


def doctor(args) -> int:
    """Print what is configured and where; fail when a definitions file is invalid."""
    settings = load_settings()
    print("environment:")
    for key, value in settings.describe().items():
        print(f"  {key:32} {value}")
    definitions = load_definitions(home=settings.home)
    print("definitions:")
    print(f"  retainly.yaml                    {definitions.source_path}")
    print(f"  audiences.yaml                   {find_config_file('audiences.yaml', settings.home)}")
    print(f"  activity event types             {', '.join(definitions.activity.event_types)}")
    print(
        f"  funnels                          {', '.join(f.name for f in definitions.funnels) or 'none'}"
    )
    files, ignored = scan_events_dir(settings.events_dir)
    days = f"{files[0].day} .. {files[-1].day}" if files else "none"
    print("data:")
    print(f"  event files                      {len(files)} ({days})")
    if ignored:
        names = ", ".join(p.name for p in ignored[:5]) + (", …" if len(ignored) > 5 else "")
        print(f"  not loaded: {len(ignored)} file(s) not named YYYY-MM-DD*.jsonl[.gz]: {names}")
    print(
        f"  warehouse                        {'present' if settings.warehouse_path.exists() else 'not built yet'}"
    )
    if settings.warehouse_path.exists():
        try:
            with connect(settings.warehouse_path, read_only=True) as conn:
                other_zones = files_loaded_in_other_zones(conn, settings.timezone)
        except duckdb.IOException:  # another process (e.g. a Dagster run) is writing it
            other_zones = {}
            print("  warehouse in use by another process: not inspected")
        for zone, n in other_zones.items():
            print(f"  loaded in another time zone      {n} file(s) in {zone}: run `retainly run`")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("doctor", help="check configuration and show what is set up")
    parser.set_defaults(func=doctor)
