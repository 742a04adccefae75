"""Asset-check results shared by the domains: a check passes when nothing offends it."""

from __future__ import annotations

import dagster as dg


def none_counted(check_name: str, **counts: int) -> dg.AssetCheckResult:
    """Passes when every count of offending rows (named in the metadata) is zero."""
    return dg.AssetCheckResult(
        check_name=check_name, passed=all(n == 0 for n in counts.values()), metadata=dict(counts)
    )


def no_offending_rows(check_name: str, offending: list, **metadata) -> dg.AssetCheckResult:
    """Passes when ``offending`` is empty; the first ten rows are shown as examples."""
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=not offending,
        metadata={
            "violations": len(offending),
            "examples": dg.MetadataValue.json([list(map(str, r)) for r in offending[:10]]),
            **metadata,
        },
    )
