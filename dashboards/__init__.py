"""Grafana dashboards as code.

- ``common`` — shared defaults: the datasource, panel constructors, template variables, layout.
- ``panels/<dashboard>.py`` — one function per panel, one ``dashboard()`` per file.
- ``build`` — builds every dashboard and writes ``dashboards/generated/*.json`` (sorted keys).
- ``benchmarks.yaml`` / ``benchmarks`` — the reference bands ("is this number good?").
- ``macros`` — Grafana's PostgreSQL macro and variable expansion, for tests and the render.
- ``provision`` — the API provisioner (``retainly grafana push``).
- ``render`` — a static matplotlib render of a dashboard from the published data.

Plain dicts, not ``grafana-foundation-sdk``: the dashboard JSON model is the contract we
test (structure, SQL, uids), plain dicts write it one-to-one with no extra dependency, and
the SDK's generated builders track Grafana versions in pre-1.0 releases we would have to
pin and upgrade in lockstep with the server. ``common`` keeps the defaults in one place,
which is what the SDK's builders would give us.
"""
