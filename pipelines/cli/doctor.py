from pipelines.config import find_config_file, load_definitions
from pipelines.ingest.landing import list_event_files, unrecognized_files
from pipelines.settings import load_settings


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
    files = list_event_files(settings.events_dir)
    days = f"{files[0].day} .. {files[-1].day}" if files else "none"
    print("data:")
    print(f"  event files                      {len(files)} ({days})")
    ignored = unrecognized_files(settings.events_dir)
    if ignored:
        names = ", ".join(p.name for p in ignored[:5]) + (", …" if len(ignored) > 5 else "")
        print(f"  not loaded: {len(ignored)} file(s) not named YYYY-MM-DD*.jsonl[.gz]: {names}")
    print(
        f"  warehouse                        {'present' if settings.warehouse_path.exists() else 'not built yet'}"
    )
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("doctor", help="check configuration and show what is set up")
    parser.set_defaults(func=doctor)
