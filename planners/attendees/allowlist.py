"""The allow-list: attendees of an event, edited in a table or imported from CSV/XLSX.

Files come from Chinese offices: UTF-8, UTF-8 with BOM or GB18030/GBK, header names in Chinese or English.
An import is validated row by row (row number, field, what is wrong, how to fix it). Nothing is written while
any row is in error, unless the organizer explicitly asks for the valid rows only. The same person twice
(same name and ID last digits) is reported, never merged. Only the last digits of an ID are kept."""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from planners.base import audit
from planners.base.auth import Principal
from planners.core.errors import ImportRefused, NotFound, ValidationFailed
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.attendees import importfiles
from planners.core import textsafe
from planners.store.models import Attendee, Event
from planners.core import permissions
from planners.attendees.eligibility import normalize_nationality

MAX_BYTES = int(os.environ.get("CONCLAVE_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
MAX_ROWS = 50_000

# canonical field -> (English header, Chinese header, other accepted spellings)
COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "name": ("name", "姓名", ("full name", "名字")),
    "unit": ("unit", "单位", ("organization", "organisation", "工作单位")),
    "post": ("post", "职务", ("title", "position", "职位")),
    "id_type": ("id_type", "证件类型", ("id type",)),
    "id_last4": ("id_last4", "证件号后四位", ("id last digits", "id_last_digits", "证件尾号", "证件号码后四位")),
    "nationality": ("nationality", "国籍", ()),
    "foreign_invested_staff": ("foreign_invested_staff", "外资企业人员", ("foreign-invested staff",)),
    "clearance": ("clearance", "涉密等级", ("clearance level",)),
    "secret_class": ("secret_class", "涉密人员类别", ("secret class",)),
    "pledge_signed": ("pledge_signed", "已签保密承诺书", ("pledge", "保密承诺书")),
    "event_role": ("event_role", "参会身份", ("role",)),
    "designated_by": ("designated_by", "指定人", ("designated by", "点名领导")),
}
REQUIRED = ("name", "id_last4")
ID_TYPES = {"resident_id": ("居民身份证", "身份证"), "passport": ("护照",), "officer_id": ("军官证",),
            "other": ("其他",)}
SECRET_CLASSES = {"core": ("核心",), "important": ("重要",), "general": ("一般",)}
EVENT_ROLES = {"attendee": ("参会人员", "参会"), "staff": ("工作人员",), "service": ("服务人员",),
               "interpreter": ("翻译",), "visitor": ("来访人员", "外宾")}
TRUE = {"1", "true", "yes", "y", "是", "已签", "√", "✓", "x"}
FALSE = {"", "0", "false", "no", "n", "否", "未签"}
_LAST = re.compile(r"^[0-9]{3,5}[0-9Xx]?$")


@dataclass
class Problem:
    row: int  # the row number in the file (the header is row 1)
    field: str
    code: str
    params: dict = field(default_factory=dict)

    def problem(self, lang: str) -> str:
        return both(f"allowlist.problem.{self.code}", **self.params)[lang]

    def fix(self, lang: str) -> str:
        return both(f"allowlist.fix.{self.code}", **self.params)[lang]

    def field_label(self, lang: str) -> str:
        return field_label(self.field, lang)

    def as_row(self, lang: str) -> dict:
        return {"row": self.row, "field": self.field_label(lang), "problem": self.problem(lang),
                "fix": self.fix(lang)}


def field_label(name: str, lang: str) -> str:
    """A column as the reader names it (issue 16): 证件号后四位 / ID number, last 4 digits, never `id_last4`."""
    key = f"allowlist.field_label.{'row' if name == '-' else name}"
    text = both(key)[lang]
    return text if text != key else name


@dataclass
class ImportReport:
    filename: str
    encoding: str = ""
    rows_total: int = 0
    valid: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    imported: int = 0
    written: bool = False
    dry_run: bool = False
    warnings: list[Problem] = field(default_factory=list)  # reported, but they do not stop the import
    links: list[dict] = field(default_factory=list)  # issue 13: {row, name, match, person_id, candidates, mismatches}

    @property
    def rows_in_error(self) -> int:
        return len({p.row for p in self.problems})

    @property
    def duplicates(self) -> int:
        return sum(1 for p in self.problems if p.code in ("duplicate_in_file", "already_listed"))

    def lines(self, lang: str = "en") -> list[str]:
        out = [both("allowlist.summary", file=self.filename, total=self.rows_total, valid=len(self.valid),
                    errors=self.rows_in_error, imported=self.imported)[lang]]
        for p in self.problems:
            out.append(f"  row {p.row} · {p.field_label(lang)}: {p.problem(lang)} → {p.fix(lang)}" if lang == "en"
                       else f"  第{p.row}行 · {p.field_label(lang)}：{p.problem(lang)} → {p.fix(lang)}")
        for p in self.warnings:
            out.append(f"  warning: row {p.row} · {p.field_label(lang)}: {p.problem(lang)} → {p.fix(lang)}"
                       if lang == "en" else f"  注意：第{p.row}行 · {p.field_label(lang)}：{p.problem(lang)} → {p.fix(lang)}")
        for r in self.links:  # issue 13: the match with the people register, row by row
            out.append(self.link_line(r, lang))
        return out

    @staticmethod
    def link_line(r: dict, lang: str) -> str:
        from planners.attendees.people_link import Match, mismatch_text

        text = Match(r["match"], r.get("person_id"), r.get("candidates") or []).text(lang)
        extra = "; ".join(mismatch_text(m, lang) for m in r.get("mismatches") or [])
        head = f"  register: row {r['row']} · {r['name']}: " if lang == "en" else f"  名册：第{r['row']}行 · {r['name']}："
        return head + text + (f" — {extra}" if extra else "")


# ---- header and values ---------------------------------------------------------------------------------

_HEADER_INDEX: dict[str, str] = importfiles.header_index(COLUMNS)


def header_fields(header: list[str]) -> list[str]:
    """Map a file's header to field names; refuses unknown, repeated and missing columns."""
    return importfiles.header_fields(header, COLUMNS, REQUIRED, _HEADER_INDEX)


def _choice(value: str, table: dict[str, tuple[str, ...]]) -> str | None:
    v = value.strip()
    for key, labels in table.items():
        if v.lower() == key or v in labels:
            return key
    return None


def validate_row(raw: dict[str, str], rownum: int) -> tuple[dict | None, list[Problem]]:
    """One row's values -> (attendee fields, problems)."""
    probs: list[Problem] = []
    v = {k: textsafe.strip_invisible("" if val is None else str(val)).strip() for k, val in raw.items()}
    for k, val in v.items():  # control and bidi characters: refused before anything echoes the value
        bad = textsafe.first_forbidden(val)
        if bad:
            probs.append(Problem(rownum, k, f"{bad[0]}_char", {"char": textsafe.describe(bad[1])}))
    if probs:
        return None, probs
    v = {k: unicodedata.normalize("NFKC" if k not in ("name", "unit", "post", "designated_by") else "NFC", val)
         for k, val in v.items()}
    out: dict = {}
    name = v.get("name", "")
    if not name:
        probs.append(Problem(rownum, "name", "name_required"))
    elif len(name) > 120:
        probs.append(Problem(rownum, "name", "too_long", {"max": 120}))
    out["name"] = name
    for f, mx in (("unit", 200), ("post", 120), ("designated_by", 120)):
        out[f] = v.get(f, "")
        if len(out[f]) > mx:
            probs.append(Problem(rownum, f, "too_long", {"max": mx}))
    last = v.get("id_last4", "").replace(" ", "")
    if not last:
        probs.append(Problem(rownum, "id_last4", "id_last_required"))
    elif len(last) > 6:
        probs.append(Problem(rownum, "id_last4", "full_id_given"))
    elif not _LAST.match(last):
        probs.append(Problem(rownum, "id_last4", "bad_id_last", {"value": last[:8]}))
    out["id_last4"] = last.upper()
    it = v.get("id_type", "") or "resident_id"
    out["id_type"] = _choice(it, ID_TYPES)
    if out["id_type"] is None:
        probs.append(Problem(rownum, "id_type", "bad_choice", {"value": it[:40], "choices": _choices(ID_TYPES)}))
    nat = normalize_nationality(v.get("nationality", ""))
    if not re.fullmatch(r"[A-Z]{2,3}", nat):
        probs.append(Problem(rownum, "nationality", "bad_nationality", {"value": nat[:40]}))
    out["nationality"] = nat
    for f in ("foreign_invested_staff", "pledge_signed"):
        b = v.get(f, "").lower()
        if b in TRUE:
            out[f] = True
        elif b in FALSE:
            out[f] = False
        else:
            probs.append(Problem(rownum, f, "bad_bool", {"value": v.get(f, "")[:40]}))
    cl = v.get("clearance", "")
    out["clearance"] = None
    if cl:
        try:
            out["clearance"] = Classification.parse(cl).value
        except ValueError:
            probs.append(Problem(rownum, "clearance", "bad_level", {"value": cl[:40]}))
    sc = v.get("secret_class", "")
    out["secret_class"] = None
    if sc:
        out["secret_class"] = _choice(sc, SECRET_CLASSES)
        if out["secret_class"] is None:
            probs.append(Problem(rownum, "secret_class", "bad_choice",
                                 {"value": sc[:40], "choices": _choices(SECRET_CLASSES)}))
    er = v.get("event_role", "") or "attendee"
    out["event_role"] = _choice(er, EVENT_ROLES)
    if out["event_role"] is None:
        probs.append(Problem(rownum, "event_role", "bad_choice", {"value": er[:40], "choices": _choices(EVENT_ROLES)}))
    return (None if probs else out), probs


def _choices(table: dict[str, tuple[str, ...]]) -> str:
    return ", ".join(f"{k}/{labels[0]}" for k, labels in table.items())


def person_key(name: str, id_last4: str) -> tuple[str, str]:
    """Two rows are the same person when name and ID digits match in NFKC form, without invisible
    characters, spaces or case (`张\u200b三` is `张三`)."""
    return (textsafe.key_form(name), textsafe.key_form(id_last4).upper())


# ---- reading files -------------------------------------------------------------------------------------

def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV/TXT file: BOMs (UTF-8/16/32), else UTF-8, else GB18030; Big5 and mixed files
    are refused with the line."""
    return importfiles.decode(data)


def read_rows(filename: str, data: bytes) -> importfiles.Table:
    """The header and the rows, each with its row number in the file, of a CSV or XLSX file."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // 1024} kB.", key="allowlist.too_large",
                            limit_kb=MAX_BYTES // 1024)
    if not data.strip(b"\xef\xbb\xbf \r\n\t,;"):
        raise ImportRefused("The file is empty.", key="allowlist.empty")
    ext = os.path.splitext(filename or "")[1].lower()
    if ext == ".xlsx" or (ext not in (".csv", ".txt") and data[:2] == b"PK"):
        return importfiles.read_xlsx(data, MAX_ROWS)
    if ext not in (".csv", ".txt", ""):
        raise ImportRefused(f"{ext} files are not accepted: use CSV or XLSX.", key="allowlist.bad_type", ext=ext)
    text, enc = decode_text(data)
    return importfiles.read_csv(text, enc)


def read_table(filename: str, data: bytes) -> tuple[list[str], list[list[str]], str]:
    """(header, rows, encoding) of a CSV or XLSX file; refuses anything else."""
    t = read_rows(filename, data)
    return t.header, [r for _n, r in t.rows], t.encoding


def _unheaded_columns(fields: list[str], header_len: int, rows) -> list[Problem]:
    """A warning for each column without a header that holds data: it is not imported."""
    out = []
    for j in range(header_len):
        if fields[j]:
            continue
        first = next((n for n, r in rows if j < len(r) and str(r[j]).strip()), None)
        if first is not None:
            col = importfiles._col(j + 1)
            out.append(Problem(first, f"#{j + 1} ({col})", "data_without_header", {"column": col}))
    return out


# ---- checks of rights ----------------------------------------------------------------------------------

def _event_for_edit(session: Session, event_id: int, actor: Principal) -> Event:
    ev = session.get(Event, event_id)
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    permissions.require(actor, "attendees.edit", ev)
    return ev


# ---- import --------------------------------------------------------------------------------------------

def check_file(session: Session, event_id: int, filename: str, data: bytes) -> ImportReport:
    """Validate a file against the event's list, writing nothing."""
    table = read_rows(filename, data)
    header, rows, enc = table.header, table.rows, table.encoding
    if len(rows) > MAX_ROWS:
        raise ImportRefused(f"More than {MAX_ROWS} rows.", key="allowlist.too_many_rows", limit=MAX_ROWS)
    fields = header_fields(header)
    rep = ImportReport(filename=filename, encoding=enc, rows_total=len(rows))
    rep.warnings.extend(_unheaded_columns(fields, len(header), rows))
    existing = {person_key(n, d) for n, d in session.execute(
        select(Attendee.name, Attendee.id_last4).where(Attendee.event_id == event_id))}
    seen: dict[tuple[str, str], int] = {}
    from planners.attendees.people_link import Index, mismatches, office_today

    register, today = Index(session), office_today()
    for i, r in rows:
        raw = {f: (r[j] if j < len(r) else "") for j, f in enumerate(fields) if f}
        if len(r) > len(fields) and any(c.strip() for c in r[len(fields):]):
            rep.problems.append(Problem(i, "-", "extra_cells"))
            continue
        flagged = _cell_flags(raw, i)
        if flagged:
            rep.problems.extend(flagged)
            continue
        out, probs = validate_row(raw, i)
        if out is not None:
            k = person_key(out["name"], out["id_last4"])
            if k in existing:
                probs.append(Problem(i, "name", "already_listed", {"name": out["name"]}))
            elif k in seen:
                probs.append(Problem(i, "name", "duplicate_in_file", {"name": out["name"], "other": seen[k]}))
            else:
                seen[k] = i
            m, person = register.match(out["name"], out["id_last4"], out["unit"])
            if person is not None:
                m.mismatches = mismatches(out, person, today)
                if person.barred_until is not None and person.barred_until >= today:  # the deny list
                    probs.append(Problem(i, "name", "barred", {"name": out["name"],
                                                               "until": person.barred_until.isoformat()}))
            rep.links.append({"row": i, "name": out["name"], "match": m.status, "person_id": m.person_id,
                              "candidates": m.candidates, "mismatches": m.mismatches})
        if probs:
            rep.problems.extend(probs)
        else:
            rep.valid.append(out)
    return rep


def _cell_flags(raw: dict, rownum: int) -> list[Problem]:
    """What the workbook said about a cell: a formula without a saved result (not "missing"), or ID digits
    stored as a number that has fewer digits than an ID ends with (a leading zero was lost)."""
    out = []
    for f, val in raw.items():
        flag = getattr(val, "flag", "")
        if flag == "formula":
            out.append(Problem(rownum, f, "formula_no_value"))
        elif flag == "number" and f == "id_last4" and len(val) < 4:
            out.append(Problem(rownum, f, "id_lost_zero", {"value": str(val)}))
    return out


def import_file(session: Session, event_id: int, filename: str, data: bytes, *, actor: Principal,
                valid_only: bool = False, dry_run: bool = False) -> ImportReport:
    """Validate, then write all rows, or (explicitly) the valid rows only. Nothing is written while a row is in
    error unless valid_only; never anything with dry_run."""
    ev = _event_for_edit(session, event_id, actor)
    rep = check_file(session, ev.id, filename, data)
    rep.dry_run = dry_run
    if dry_run or not rep.valid or (rep.problems and not valid_only):
        return rep
    for k in range(0, len(rep.valid), 1000):  # in batches: a 50,000-row list is not copied whole in memory
        session.execute(insert(Attendee), [{**row, "event_id": ev.id} for row in rep.valid[k:k + 1000]])
    rep.imported, rep.written = len(rep.valid), True
    _link_new(session, ev.id, actor)
    audit.record(session, actor=actor.username, action="attendees.import", object_type="event", object_id=ev.id,
                 event_id=ev.id, file=filename[:120], encoding=rep.encoding, rows=rep.rows_total,
                 imported=rep.imported, skipped_rows=rep.rows_in_error, valid_only=valid_only)
    _changed(session, ev, actor)
    return rep


def _changed(session: Session, ev: Event, actor: Principal) -> None:
    """Tell the areas that follow the list (issue 11: an approved list goes back to the leader)."""
    from planners.core import hooks

    session.flush()
    for fn in hooks.answers("attendees_changed"):
        fn(session, ev, actor)


# ---- template ------------------------------------------------------------------------------------------

TEMPLATE_EXAMPLE = {"name": "张三", "unit": "市财政局", "post": "处长", "id_type": "居民身份证", "id_last4": "1234",
                    "nationality": "CN", "foreign_invested_staff": "否", "clearance": "机密", "secret_class": "重要",
                    "pledge_signed": "是", "event_role": "参会人员", "designated_by": ""}


def template_header(lang: str = "zh_CN") -> list[str]:
    return importfiles.template_header(COLUMNS, lang)


def template_bytes(kind: str, lang: str = "zh_CN") -> bytes:
    """An import template (header + one example row) as CSV (UTF-8 with BOM) or XLSX."""
    return importfiles.template_bytes(kind, COLUMNS, TEMPLATE_EXAMPLE, lang=lang, sheet="attendees")


# ---- table editing -------------------------------------------------------------------------------------

EDITABLE = tuple(COLUMNS)


def list_attendees(session: Session, event_id: int) -> list[Attendee]:
    return list(session.scalars(select(Attendee).where(Attendee.event_id == event_id).order_by(Attendee.id)))


def _as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v != v:  # NaN from a data editor
        return ""
    return str(v)


def save_table(session: Session, event_id: int, rows: list[dict], *, actor: Principal,
               deleted_ids: list[int] | tuple = ()) -> dict:
    """Apply an edited table: rows with an `id` are updates, rows without are new; all-or-nothing."""
    ev = _event_for_edit(session, event_id, actor)
    current = {a.id: a for a in list_attendees(session, ev.id)}
    keys: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    parsed: list[tuple[int | None, dict]] = []
    for i, r in enumerate(rows, start=1):
        out, probs = validate_row({f: _as_text(r.get(f)) for f in EDITABLE}, i)
        problems.extend(probs)
        if out is None:
            continue
        k = person_key(out["name"], out["id_last4"])
        if k in keys:
            problems.append(Problem(i, "name", "duplicate_in_file", {"name": out["name"], "other": keys[k]}))
        keys[k] = i
        rid = r.get("id")
        rid = int(rid) if rid not in (None, "") and rid == rid else None
        if rid is not None and rid not in current:
            problems.append(Problem(i, "id", "unknown_attendee"))
        parsed.append((rid, out))
    if problems:
        p = problems[0]
        raise ValidationFailed(f"row {p.row} · {p.field}: {p.problem('en')} {p.fix('en')}",
                               key="allowlist.row_error", field=p.field, row=p.row, problem=p.problem("zh_CN"),
                               fix=p.fix("zh_CN"))
    added = changed = removed = 0
    edited: list[Attendee] = []
    for rid in deleted_ids:
        a = current.get(int(rid))
        if a is not None:
            session.delete(a)
            removed += 1
    for rid, out in parsed:
        if rid is None:
            session.add(Attendee(event_id=ev.id, **out))
            added += 1
        else:
            a = current[rid]
            if any(getattr(a, f) != out[f] for f in out):
                for f, val in out.items():
                    setattr(a, f, val)
                changed += 1
                edited.append(a)
    session.flush()
    _link_new(session, ev.id, actor, edited)
    from planners.attendees.eligibility import review

    requeued = [i for a in edited for i in review(session, a, actor=actor)]  # exceptions bind to the person
    if added or changed or removed:
        audit.record(session, actor=actor.username, action="attendees.edit", object_type="event", object_id=ev.id,
                     event_id=ev.id, added=added, changed=changed, removed=removed)
        _changed(session, ev, actor)
    out = {"added": added, "changed": changed, "removed": removed}
    if requeued:  # approval items back in the leader's queue because an exception no longer holds
        out["requeued"] = requeued
    return out


def _link_new(session: Session, event_id: int, actor, edited: list | None = None) -> None:
    """Match the event's attendees not yet matched (and those just edited) with the people register (issue 13)."""
    from planners.attendees.people_link import link_attendees, links

    from planners.store.models_people import Person

    if session.scalar(select(Person.id).limit(1)) is None:
        return  # an empty register: nobody to link (and nothing to slow a large import down)
    rows = list_attendees(session, event_id)
    known = links(session, [a.id for a in rows])
    changed = {a.id for a in edited or []}
    todo = [a for a in rows if a.id not in known or a.id in changed]
    if todo:
        link_attendees(session, todo, actor=actor)


def get_attendee(session: Session, attendee_id: int) -> Attendee:
    a = session.get(Attendee, attendee_id)
    if a is None:
        raise NotFound("No such attendee.", key="error.not_found")
    return a
