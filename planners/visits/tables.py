"""The visit's rows, as the forms' tables give them (issue 12, 16): the delegation, the route, the meetings; each
checked cell by cell, an error naming the row and the column and saying how to fix it (`cell_error`). The older
text forms (one row a line, fields separated by "|") stay for the CLI and the tests that use them. The post-visit
report's materials and gifts use the same cell helpers (planners.visits.report)."""
from __future__ import annotations

from dataclasses import dataclass

from planners.core.errors import CellInvalid, ValidationFailed
from planners.core.i18n import both
from planners.store.models_visits import VisitRequest

PASSPORT_TYPES = ("ordinary", "official", "diplomatic", "service", "other")


@dataclass(kw_only=True)
class Member:
    name: str
    nationality: str
    organisation: str = ""
    post: str = ""
    passport_type: str = "ordinary"
    passport_last4: str = ""


@dataclass(kw_only=True)
class RoutePart:
    place: str
    host: str = ""
    escort: str = ""
    location_id: int | None = None  # issue 12: the key location chosen in the form's route table


@dataclass(kw_only=True)
class Meeting:
    with_whom: str
    topic: str = ""


# ---------------------------------------------------------------- text forms (one row a line, fields by |)

def _rows(text: str, n: int) -> list[list[str]]:
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        out.append((cells + [""] * n)[:n] if len(cells) <= n else cells)
    return out


def parse_members(text: str) -> list[Member]:
    """`name | nationality | organisation | post | passport type | last digits`, one member a line."""
    out = []
    for i, c in enumerate(_rows(text, 6), 1):
        if len(c) > 6:
            raise ValidationFailed(f"Member line {i} has more than 6 fields.", key="visits.member_fields",
                                   field="members", line=i)
        out.append(Member(name=c[0], nationality=c[1], organisation=c[2], post=c[3],
                          passport_type=c[4] or "ordinary", passport_last4=c[5]))
    return out


def parse_route(text: str) -> list[RoutePart]:
    """`place | host | escort`, one part of the route a line."""
    return [RoutePart(place=c[0], host=c[1], escort=c[2]) for c in _rows(text, 3)]


def parse_meetings(text: str) -> list[Meeting]:
    """`with whom | topic`, one meeting a line."""
    return [Meeting(with_whom=c[0], topic=c[1]) for c in _rows(text, 2)]


# ---------------------------------------------------------------- table forms (issue 12: the page's data editors)

MEMBER_COLUMNS = ("name", "nationality", "organisation", "post", "passport_type", "passport_last4")
ROUTE_COLUMNS = ("place", "location_id", "host", "escort")


def cell(row: dict, col: str) -> str:
    """A table cell as text: blank for None and for pandas' NaN, trimmed."""
    value = row.get(col)
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def blank(row: dict, cols) -> bool:
    """A row the editor left empty (skipped, not refused)."""
    return not any(cell(row, c) for c in cols)


def cell_error(kind: str, i: int, col: str, problem: str, message: str, *, labels: str = "vduring") -> CellInvalid:
    """The error of one cell: its row `i`, its column in the reader's words (`{labels}.col_{kind}_{col}`), what is
    wrong (`vduring.cell_{problem}`: required, choice, last4, …) and how to fix it."""
    return CellInvalid(message, key=f"vduring.cell_{problem}", field=kind, line=i,
                       column=both(f"{labels}.col_{kind}_{col}"))


def members_from_rows(rows: list[dict]) -> list[Member]:
    """The delegation table, checked cell by cell: an error names the row and the column (empty rows skipped)."""
    out = []
    for i, row in enumerate([r for r in rows or [] if not blank(r, MEMBER_COLUMNS)], 1):
        for col in ("name", "nationality"):
            if not cell(row, col):
                raise cell_error("members", i, col, "required", f"Delegation row {i}: fill in “{col}”.")
        ptype = cell(row, "passport_type") or "ordinary"
        if ptype not in PASSPORT_TYPES:
            raise cell_error("members", i, "passport_type", "choice", f"Delegation row {i}: choose the passport "
                              f"type from the list {PASSPORT_TYPES}.")
        last4 = cell(row, "passport_last4")
        if last4 and (len(last4) > 4 or not last4.isalnum()):
            raise cell_error("members", i, "passport_last4", "last4", f"Delegation row {i}: only the last 4 "
                              "characters of the passport number, never the full number.")
        out.append(Member(name=cell(row, "name"), nationality=cell(row, "nationality"),
                          organisation=cell(row, "organisation"), post=cell(row, "post"), passport_type=ptype,
                          passport_last4=last4))
    return out


def route_from_rows(rows: list[dict]) -> list[RoutePart]:
    """The route table (place, key location, host, escort from the staff picker), checked cell by cell."""
    out = []
    for i, row in enumerate([r for r in rows or [] if not blank(r, ROUTE_COLUMNS)], 1):
        if not cell(row, "place"):
            raise cell_error("route", i, "place", "required", f"Route row {i}: fill in “place”.")
        if not cell(row, "escort"):
            raise cell_error("route", i, "escort", "required", f"Route row {i}: choose the escort.")
        loc = row.get("location_id")
        loc = None if loc in (None, "") or (isinstance(loc, float) and loc != loc) else int(loc)
        out.append(RoutePart(place=cell(row, "place"), host=cell(row, "host"), escort=cell(row, "escort"),
                             location_id=loc))
    return out


def member_rows(v: VisitRequest | None) -> list[dict]:
    return [{c: m.get(c, "") for c in MEMBER_COLUMNS} for m in (v.members if v else None) or []]


def route_rows(v: VisitRequest | None) -> list[dict]:
    return [{"place": p.get("place", ""), "location_id": p.get("location_id"), "host": p.get("host", ""),
             "escort": p.get("escort_user") or p.get("escort", "")} for p in (v.route if v else None) or []]


def members_text(v: VisitRequest) -> str:
    return "\n".join(" | ".join([m["name"], m["nationality"], m.get("organisation", ""), m.get("post", ""),
                                 m.get("passport_type", ""), m.get("passport_last4", "")]) for m in v.members or [])


def route_text(v: VisitRequest) -> str:
    return "\n".join(" | ".join([p["place"], p.get("host", ""), p.get("escort", "")]) for p in v.route or [])


def meetings_text(v: VisitRequest) -> str:
    return "\n".join(" | ".join([m["with"], m.get("topic", "")]) for m in v.meetings or [])


MEETING_COLUMNS = ("with_whom", "topic")  # issue 16: the meetings are a table too


def meetings_from_rows(rows: list[dict]) -> list[Meeting]:
    """The meetings table (with whom, on what), checked cell by cell; empty rows are skipped."""
    out = []
    for i, row in enumerate([r for r in rows or [] if not blank(r, MEETING_COLUMNS)], 1):
        if not cell(row, "with_whom"):
            raise cell_error("meetings", i, "with_whom", "required", f"Meetings row {i}: say with whom.",
                             labels="visits16")
        out.append(Meeting(with_whom=cell(row, "with_whom"), topic=cell(row, "topic")))
    return out


def meeting_rows(v: VisitRequest | None) -> list[dict]:
    return [{"with_whom": m.get("with", ""), "topic": m.get("topic", "")} for m in (v.meetings if v else None) or []]
