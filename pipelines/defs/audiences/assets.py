import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.audiences.config import load_audiences
from pipelines.audiences.export import export_audience
from pipelines.audiences.members import (
    build_members,
    ensure_tables,
    has_scores,
    latest_as_of_on_or_before,
    load_membership,
)
from pipelines.audiences.privacy import raw_contact_findings
from pipelines.config import load_definitions
from pipelines.defs.checks import none_counted
from pipelines.resources import DUCKDB_POOL, open_warehouse
from pipelines.settings import load_settings

MEMBERS = ["marts", "audience_members"]
EXPORTS = ["exports", "audiences"]
# Audiences are selected by activity score: none exist before the model can be trained.
NO_SCORES = "marts.activity_scores is empty: no activity model yet (see model/activity_model's `trained` check)"


@dg.asset(
    key=MEMBERS,
    deps=[["marts", "activity_scores"], ["core", "users"]],
    group_name="audiences",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec("match_key_unique", asset=MEMBERS, blocking=True),
        dg.AssetCheckSpec("identifiers_well_formed", asset=MEMBERS, blocking=True),
    ],
)
def audience_members(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """One row per exported identifier per audience and as_of, from activity scores × core.users."""
    settings = load_settings()
    config = load_audiences(home=settings.home)
    definitions = load_definitions(home=settings.home)
    config.check_channels(definitions)
    with open_warehouse(duckdb) as conn:
        if not has_scores(conn):
            ensure_tables(conn)
            return dg.MaterializeResult(
                metadata={"skipped": NO_SCORES},
                check_results=[
                    none_counted("match_key_unique", duplicated=0),
                    none_counted("identifiers_well_formed", malformed=0),
                ],
            )
        as_of = latest_as_of_on_or_before(conn, settings.as_of)
        built = [
            build_members(conn, config, a.name, as_of, settings, definitions)
            for a in config.audiences
        ]
        duplicated, malformed = conn.execute(
            """
            SELECT
                (SELECT count(*) - count(DISTINCT (audience, identifier_type, identifier)) FROM marts.audience_members
                 WHERE as_of = $as_of AND identifier_type IN ('madid', 'email_sha256', 'email_sha256_google',
                                                              'phone_sha256', 'phone_sha256_digits')),
                (SELECT count(*) FROM marts.audience_members WHERE as_of = $as_of AND NOT CASE identifier_type
                    WHEN 'madid' THEN regexp_full_match(identifier, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
                    WHEN 'country' THEN regexp_full_match(identifier, '[A-Z]{2}')
                    ELSE regexp_full_match(identifier, '[0-9a-f]{64}') END)
            """,
            {"as_of": as_of},
        ).fetchone()
    metadata = {"as_of": as_of.isoformat()}
    for m in built:
        metadata[f"{m.audience}/selected"] = m.rows_in
        metadata[f"{m.audience}/members"] = m.members
        metadata[f"{m.audience}/entered"] = m.entered
        metadata[f"{m.audience}/left"] = m.left
        metadata[f"{m.audience}/removed"] = dg.MetadataValue.json(
            {"users": m.users_removed, "identifiers": m.identifiers_removed}
        )
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            none_counted("match_key_unique", duplicated=duplicated),
            none_counted("identifiers_well_formed", malformed=malformed),
        ],
    )


@dg.asset(
    key=EXPORTS,
    deps=[MEMBERS],
    group_name="audiences",
    pool=DUCKDB_POOL,
    kinds={"csv"},
    check_specs=[dg.AssetCheckSpec("no_raw_contact_details", asset=EXPORTS, blocking=True)],
)
def audience_exports(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Ad-platform files + manifest.json per audience under $RETAINLY_HOME/exports/<audience>/<as_of>/."""
    settings = load_settings()
    config = load_audiences(home=settings.home)
    with open_warehouse(duckdb) as conn:
        if not has_scores(conn):
            return dg.MaterializeResult(
                metadata={"skipped": NO_SCORES},
                check_results=[
                    dg.AssetCheckResult(check_name="no_raw_contact_details", passed=True)
                ],
            )
        as_of = latest_as_of_on_or_before(conn, settings.as_of)
        results = [
            export_audience(conn, config, load_membership(conn, a.name, as_of), settings)
            for a in config.audiences
        ]
    leaks = {}
    for result in results:
        for path in [
            result.manifest_path,
            *(result.directory / d.file for d in result.destinations if d.file),
        ]:
            findings = raw_contact_findings(path.read_bytes())
            if findings:
                leaks[str(path)] = findings
    metadata = {"as_of": as_of.isoformat()}
    for r in results:
        metadata[f"{r.audience}/rows"] = dg.MetadataValue.json(r.rows_by_destination)
        metadata[f"{r.audience}/skipped"] = dg.MetadataValue.json(r.skipped)
        metadata[f"{r.audience}/directory"] = dg.MetadataValue.path(str(r.directory))
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[
            dg.AssetCheckResult(
                check_name="no_raw_contact_details", passed=not leaks, metadata={"files": leaks}
            ),
        ],
    )
