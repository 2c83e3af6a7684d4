"""The register from the unit's existing spreadsheet (CSV in UTF-8/GB18030, XLSX; Chinese or English headers),
all-or-nothing with a row report, with the allow-list import's habits (planners.attendees.allowlist.read_rows:
size limits, encodings, XLSX checks). Each row is a new person, optionally with the date of their secrecy pledge
and of their trainings; a person already in the register is refused (edit that record instead)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from planners.attendees import importfiles
from planners.attendees.allowlist import read_rows
from planners.base import audit
from planners.core import permissions
from planners.core.errors import ImportRefused
from planners.core.i18n import both
from planners.people import register
from planners.people.fields import Problem as FieldProblem

MAX_ROWS = 20_000

# canonical field -> (English header, Chinese header, other accepted spellings)
COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "name": ("name", "姓名", ("full name",)),
    "unit": ("unit", "单位", ("organization", "organisation", "工作单位", "部门")),
    "post": ("post", "岗位", ("position", "职务", "涉密岗位")),
    "id_type": ("id_type", "证件类型", ("id type",)),
    "id_last4": ("id_last4", "证件号后四位", ("id last digits", "证件尾号", "身份证后四位")),
    "nationality": ("nationality", "国籍", ()),
    "employer_type": ("employer_type", "单位性质", ("employer type", "用人单位类型")),
    "level": ("level", "涉密等级", ("clearance",)),
    "vetted_level": ("vetted_level", "审查确定等级", ("vetted level",)),
    "person_class": ("person_class", "涉密人员类别", ("class", "类别")),
    "status": ("status", "状态", ()),
    "decommission_until": ("decommission_until", "脱密期截止", ("脱密期至", "decommission until")),
    "vetted_by": ("vetted_by", "审查单位", ("vetted by", "审查机关")),
    "vetted_at": ("vetted_at", "审查日期", ("vetted at", "vetted on")),
    "pledge_signed_on": ("pledge_signed_on", "保密承诺书签订日期", ("pledge signed on", "承诺书签订日期")),
    "pledge_version": ("pledge_version", "承诺书版本", ("pledge version",)),
    "onboarding_on": ("onboarding_on", "上岗培训日期", ("onboarding training on",)),
    "in_post_on": ("in_post_on", "在岗培训日期", ("in-post training on", "training on")),
    "in_post_hours": ("in_post_hours", "在岗培训学时", ("in-post training hours", "training hours")),
}
REQUIRED = ("name", "id_last4", "unit", "level", "person_class")
EXAMPLE = {"name": "张三", "unit": "市财政局", "post": "机要秘书", "id_type": "居民身份证", "id_last4": "1234",
           "nationality": "CN", "employer_type": "机关", "level": "机密", "vetted_level": "机密", "person_class": "重要",
           "status": "在岗", "decommission_until": "", "vetted_by": "市委保密办", "vetted_at": "2025-03-01",
           "pledge_signed_on": "2025-03-01", "pledge_version": "2024版", "onboarding_on": "2025-03-05",
           "in_post_on": "2025-11-10", "in_post_hours": "12"}


_INDEX = importfiles.header_index(COLUMNS)


@dataclass
class RowProblem:
    row: int
    field: str
    text: dict  # {en, zh_CN}

    def as_row(self, lang: str) -> dict:
        return {"row": self.row, "field": self.field, "problem": self.text[lang]}


@dataclass
class Report:
    filename: str
    encoding: str = ""
    rows_total: int = 0
    valid: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    imported: int = 0
    written: bool = False
    dry_run: bool = False

    def lines(self, lang: str = "en") -> list[str]:
        out = [both("people.import_summary", file=self.filename, total=self.rows_total, valid=len(self.valid),
                    errors=len({p.row for p in self.problems}), imported=self.imported)[lang]]
        for p in self.problems:
            out.append(f"  row {p.row} · {p.field}: {p.text['en']}" if lang == "en"
                       else f"  第{p.row}行 · {p.field}：{p.text['zh_CN']}")
        return out


def header_fields(header: list[str]) -> list[str]:
    return importfiles.header_fields(header, COLUMNS, REQUIRED, _INDEX)


def _say(p: FieldProblem) -> dict:
    return both(f"people.problem.{p.code}", field=p.field, **p.params)


def check_file(session: Session, filename: str, data: bytes) -> Report:
    """Validate every row against the rules and the register, writing nothing."""
    table = read_rows(filename, data)
    if len(table.rows) > MAX_ROWS:
        raise ImportRefused(f"More than {MAX_ROWS} rows.", key="allowlist.too_many_rows", limit=MAX_ROWS)
    fields = header_fields(table.header)
    rep = Report(filename=filename, encoding=table.encoding, rows_total=len(table.rows))
    seen: dict[tuple, int] = {}
    today = register.today()
    for i, r in table.rows:
        raw = {f: (r[j] if j < len(r) and r[j] is not None else "") for j, f in enumerate(fields) if f}
        if getattr(raw.get("id_last4"), "flag", "") == "formula":
            rep.problems.append(RowProblem(i, "id_last4", both("allowlist.problem.formula_no_value")))
            continue
        out, probs = register.clean({k: v for k, v in raw.items() if k in register.FIELDS})
        extra: dict = {}
        for f in ("pledge_signed_on", "onboarding_on", "in_post_on"):
            d = register._date(raw.get(f), f, probs)
            if d and d > today:
                probs.append(FieldProblem(f, "in_future", {"value": d.isoformat()}))
            extra[f] = d
        extra["pledge_version"] = raw.get("pledge_version", "").strip()[:40]
        hours = raw.get("in_post_hours", "").strip() or "0"
        if not hours.isdigit() or int(hours) > 1000:
            probs.append(FieldProblem("in_post_hours", "bad_hours", {"value": hours[:20]}))
        else:
            extra["in_post_hours"] = int(hours)
        if not probs:
            probs = register.clashes(session, out)
            k = (register.key_form(out["name"]), out["id_last4"], register.key_form(out["unit"]))
            kid = (out["id_type"], out["id_last4"], register.key_form(out["unit"]))
            if k in seen:
                probs.append(FieldProblem("name", "duplicate_in_file", {"other": seen[k]}))
            elif kid in seen:
                probs.append(FieldProblem("id_last4", "id_used_in_file", {"other": seen[kid]}))
            seen[k] = seen[kid] = i
        if probs:
            rep.problems.extend(RowProblem(i, p.field, _say(p)) for p in probs)
        else:
            rep.valid.append((i, {**out, **extra}))
    if not table.rows:
        raise ImportRefused("The file has no rows under its header.", key="allowlist.empty")
    return rep


def import_file(session: Session, filename: str, data: bytes, *, actor, dry_run: bool = False) -> Report:
    """All-or-nothing: nothing is written while any row is in error, never with dry_run."""
    permissions.require(actor, "people.keep")
    rep = check_file(session, filename, data)
    rep.dry_run = dry_run
    if dry_run or rep.problems or not rep.valid:
        return rep
    for _i, row in rep.valid:
        p = register.create(session, {k: v for k, v in row.items() if k in register.FIELDS}, actor=actor,
                            reason=f"import {filename[:80]}")
        if row.get("pledge_signed_on"):
            register.record_pledge(session, p.id, kind="secrecy_pledge", signed_on=row["pledge_signed_on"],
                                   version=row.get("pledge_version", ""), actor=actor)
        if row.get("onboarding_on"):
            register.record_training(session, p.id, stage="onboarding", taken_on=row["onboarding_on"],
                                     course="上岗保密教育", actor=actor)
        if row.get("in_post_on"):
            register.record_training(session, p.id, stage="in_post", taken_on=row["in_post_on"],
                                     hours=row.get("in_post_hours", 0), course="在岗保密教育", actor=actor)
    rep.imported, rep.written = len(rep.valid), True
    audit.record(session, actor=getattr(actor, "username", str(actor)), action="people.import",
                 object_type="people", object_id="", file=filename[:120], encoding=rep.encoding,
                 rows=rep.rows_total, imported=rep.imported)
    return rep


def template_header(lang: str = "zh_CN") -> list[str]:
    return importfiles.template_header(COLUMNS, lang)


def template_bytes(kind: str, lang: str = "zh_CN") -> bytes:
    """The import template (header + one example row) as CSV (UTF-8 with BOM) or XLSX."""
    return importfiles.template_bytes(kind, COLUMNS, EXAMPLE, lang=lang, sheet="people", example_as_text=True)
