"""Free text on its way into an export: what Word (XML 1.0) and iCalendar content lines cannot carry is
removed here, so a title that slipped in with a control character or a line break (stored before the form
checked it, or written by another tool) never crashes an export."""
from __future__ import annotations

from dataclasses import replace

from planners.core.textsafe import one_line


def clean_snapshot(snap):
    """The plan snapshot with every user-written string on one line, without control or bidi characters."""
    tasks = [replace(x, text={k: one_line(v) for k, v in (x.text or {}).items()}, reason=one_line(x.reason) if x.reason else x.reason,
                     source=one_line(x.source), due_expr=one_line(x.due_expr) if x.due_expr else x.due_expr,
                     marked_by=one_line(x.marked_by) if x.marked_by else x.marked_by) for x in snap.tasks]
    return replace(snap, title=one_line(snap.title), host_unit=one_line(snap.host_unit),
                   organizer=one_line(snap.organizer), relay_scope=one_line(snap.relay_scope),
                   retention=one_line(snap.retention), tasks=tasks)
