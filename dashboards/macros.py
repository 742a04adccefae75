"""Grafana's query interpolation for the PostgreSQL datasource, to run panel SQL outside Grafana.

Follows Grafana's documented behaviour (``pkg/tsdb/grafana-postgresql-datasource/macros.go``
and the SQL datasources' variable formatting):

- ``$__time(col)`` → ``col AS "time"``; ``$__timeEpoch(col)`` → ``extract(epoch from col) AS "time"``
- ``$__timeFilter(col)`` → ``col BETWEEN '<from>' AND '<to>'`` (RFC 3339, UTC)
- ``$__timeFrom()`` / ``$__timeTo()`` → ``'<from>'`` / ``'<to>'``
- ``$__timeGroup(col, '1d'[, fill])`` → ``floor(extract(epoch from col)/86400)*86400``;
  ``$__timeGroupAlias`` adds `` AS "time"``
- ``$__unixEpochFilter(col)`` → ``col >= <from s> AND col <= <to s>``
- ``$__interval`` → the interval, ``$__interval_ms`` → milliseconds
- template variables ``$var``, ``${var}``, ``[[var]]``, ``${var:format}``: a single value of a
  single-value variable is inserted as is (quotes doubled); multi-value and include-All
  variables are rendered as ``'a','b'`` (``:csv`` → ``a,b``, ``:singlequote`` →
  ``'a','b'``, ``:doublequote`` → ``"a","b"``, ``:raw`` → ``a,b``, ``:sqlstring`` → ``'a','b'``).

Grafana's macro regex does not allow parentheses inside macro arguments, nor do we.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

_MACRO = re.compile(r"\$__(\w+)\(([^)]*)\)")
_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)(?::(\w+))?\]\]|\$(\w+)")
_INTERVAL = re.compile(r"^(\d+)(ms|s|m|h|d|w|M|y)$")
_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
    "M": 2592000,
    "y": 31536000,
}


class MacroError(ValueError):
    """A macro Grafana would reject (unknown name, missing arguments, bad interval)."""


@dataclass(frozen=True)
class Variable:
    """A template variable's selected value(s) and how Grafana formats it."""

    values: Sequence[str]
    multi: bool = False  # multi-value or include-All: formatted as a quoted list


@dataclass(frozen=True)
class TimeRange:
    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeRange needs time-zone aware datetimes")


def interval_seconds(text: str) -> float:
    match = _INTERVAL.match(text.strip().strip("'"))
    if not match:
        raise MacroError(f"error parsing interval {text}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def rfc3339(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def expand(
    sql: str,
    time_range: TimeRange,
    variables: Mapping[str, Variable] | None = None,
    interval: str = "1d",
) -> str:
    """``sql`` as Grafana would send it to PostgreSQL: variables first, then macros."""
    variables = dict(variables or {})
    builtins = {
        "__interval": Variable([interval]),
        "__interval_ms": Variable([_seconds(interval_seconds(interval) * 1000)]),
    }
    text = interpolate(sql, {**builtins, **variables})
    return _MACRO.sub(lambda m: _macro(m.group(1), _split_args(m.group(2)), time_range), text)


def interpolate(sql: str, variables: Mapping[str, Variable]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1) or match.group(3) or match.group(5)
        fmt = match.group(2) or match.group(4)
        if name.startswith("__") and name not in variables:
            return match.group(0)  # a macro such as $__timeFilter: expanded later
        if name not in variables:
            return match.group(0)  # Grafana leaves unknown variables untouched
        return _format(variables[name], fmt)

    return _VARIABLE.sub(replace, sql)


def _format(variable: Variable, fmt: str | None) -> str:
    values = list(variable.values)
    quote: Callable[[str], str] = lambda v: "'" + v.replace("'", "''") + "'"  # noqa: E731
    if fmt in ("csv", "raw"):
        return ",".join(values)
    if fmt in ("singlequote", "sqlstring"):
        return ",".join(quote(v) for v in values)
    if fmt == "doublequote":
        return ",".join('"' + v.replace('"', '\\"') + '"' for v in values)
    if fmt is not None:
        raise MacroError(f"unsupported variable format {fmt!r}")
    if variable.multi:
        return ",".join(quote(v) for v in values)
    return values[0].replace("'", "''") if values else ""


def _split_args(text: str) -> list[str]:
    return [arg.strip() for arg in text.split(",")] if text.strip() else []


def _macro(name: str, args: list[str], time_range: TimeRange) -> str:
    start, end = rfc3339(time_range.start), rfc3339(time_range.end)

    def need(count: int) -> None:
        if len(args) < count:
            raise MacroError(f"macro $__{name} needs {count} argument(s), got {args}")

    if name == "time":
        need(1)
        return f'{args[0]} AS "time"'
    if name == "timeEpoch":
        need(1)
        return f'extract(epoch from {args[0]}) AS "time"'
    if name == "timeFilter":
        need(1)
        return f"{args[0]} BETWEEN '{start}' AND '{end}'"
    if name == "timeFrom":
        return f"'{start}'"
    if name == "timeTo":
        return f"'{end}'"
    if name in ("timeGroup", "timeGroupAlias"):
        need(2)
        seconds = _seconds(interval_seconds(args[1]))
        group = f"floor(extract(epoch from {args[0]})/{seconds})*{seconds}"
        return group + ' AS "time"' if name == "timeGroupAlias" else group
    if name == "unixEpochFilter":
        need(1)
        return f"{args[0]} >= {int(time_range.start.timestamp())} AND {args[0]} <= {int(time_range.end.timestamp())}"
    if name == "unixEpochFrom":
        return str(int(time_range.start.timestamp()))
    if name == "unixEpochTo":
        return str(int(time_range.end.timestamp()))
    raise MacroError(f"undefined macro: $__{name}")
