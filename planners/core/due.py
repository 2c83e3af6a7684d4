"""Due expressions of plan rules: when a task is due relative to the event.

    T-7d, T-24h, T-2h, T (= start), start, end, end+24h, incident+24h, T-1d-2h

Anchors: T / start (the event's start), end (its end), incident (when an incident was reported).
Offsets: + or - a whole number of w (weeks), d (days), h (hours) or m / min (minutes)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

ANCHORS = ("T", "start", "end", "incident")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1),
          "min": timedelta(minutes=1)}
_EXPR = re.compile(r"^(T|start|end|incident)((?:\s*[+-]\s*\d+\s*(?:min|w|d|h|m))*)$")
_OFFSET = re.compile(r"([+-])\s*(\d+)\s*(min|w|d|h|m)")


@dataclass(frozen=True)
class Due:
    anchor: str  # start / end / incident
    offset: timedelta
    expr: str

    def at(self, *, start: datetime, end: datetime, incident: datetime | None = None) -> datetime | None:
        base = {"start": start, "end": end, "incident": incident}[self.anchor]
        return None if base is None else base + self.offset


def parse_due(expr) -> Due:
    """Parse a due expression; ValueError says what is wrong and how to write it."""
    if not isinstance(expr, str) or not expr.strip():
        raise ValueError("a due expression is text such as T-7d, T-24h, start, end or end+24h")
    text = expr.strip()
    m = _EXPR.match(text)
    if not m:
        raise ValueError(f"bad due expression {text!r}: write an anchor ({', '.join(ANCHORS)}) and optional "
                         "offsets such as -7d, -24h, +30m (e.g. T-7d, end+24h)")
    anchor = "start" if m.group(1) == "T" else m.group(1)
    offset = timedelta()
    for sign, n, unit in _OFFSET.findall(m.group(2)):
        delta = int(n) * _UNITS[unit]
        offset += delta if sign == "+" else -delta
    return Due(anchor=anchor, offset=offset, expr=text)


def check_due(expr) -> None:
    """For rules.Field(check=...): raises ValueError on a bad expression."""
    parse_due(expr)
