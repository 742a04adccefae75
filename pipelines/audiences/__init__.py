"""Audiences: the users most likely to stay, exported in the files ad platforms accept.

Plain logic, no Dagster: ``config`` (audiences.yaml), ``members`` (selection, identifier
hygiene, membership history), ``export`` (files, manifests), ``destinations`` (one template
per ad platform). The Dagster assets and the ``retainly audience`` CLI both call
``members.build_members`` and ``export.export_audience``.
"""
