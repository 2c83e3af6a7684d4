"""The register's fields: what each may hold (the constants), and the checks a form, an imported row or a change
goes through before the register writes it (`clean`, `clashes`). Every problem names its field and how to fix it
(people.problem.* in both catalogues). planners.people.register writes; this module only judges."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planners.core import textsafe
from planners.core.clock import office_today
from planners.core.errors import ValidationFailed
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.people import rules
from planners.store.models_people import Person

KIND = "person_change"
STATUSES = ("active", "suspended", "decommission", "left")
CLASSES = rules.CLASSES
PLEDGE_KINDS = rules.PLEDGE_KINDS
TRAINING_STAGES = rules.TRAINING_STAGES
ID_TYPES = ("resident_id", "passport", "officer_id", "other")
EMPLOYER_TYPES = ("state_organ", "public_institution", "state_enterprise", "private", "foreign_invested", "other")
PERSON_LEVELS = ("secret", "confidential", "top_secret")  # a 涉密人员 is cleared for a state-secret level
DIRECT = ("name", "unit", "post", "id_type", "id_last4", "nationality", "employer_type", "vetted_by", "vetted_at",
          "vetted_level")
CONTROLLED = ("level", "person_class", "status", "decommission_until")  # through the leader's queue
FIELDS = DIRECT + CONTROLLED
CHINA = ("CN", "CHN", "PRC", "P.R.C.", "中国", "中华人民共和国")
_LAST = re.compile(r"^[0-9]{3,5}[0-9X]?$")


def today() -> date:
    """The office's date (the register's dates are office dates)."""
    return office_today()


def normalize_nationality(value: str | None) -> str:
    """ISO 3166-1 alpha-2 (China however typed is CN; other codes upper-cased as given)."""
    v = unicodedata.normalize("NFKC", (value or "").strip()).upper()
    return "CN" if not v or v in CHINA else v


def key_form(text: str) -> str:
    return textsafe.key_form(text or "")


# ---- validation -----------------------------------------------------------------------------------------

@dataclass
class Problem:
    field: str
    code: str
    params: dict

    def text(self, lang: str) -> str:
        return both(f"people.problem.{self.code}", field=self.field, **self.params)[lang]


def _date(value, field: str, probs: list[Problem]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("/", "-").replace(".", "-")
    text = text.replace("年", "-").replace("月", "-").replace("日", "")
    try:
        y, m, d = (int(x) for x in text.split("-")[:3])
        return date(y, m, d)
    except (ValueError, TypeError):
        probs.append(Problem(field, "bad_date", {"value": str(value)[:40]}))
        return None


def _choice(value, choices, labels: dict[str, tuple[str, ...]] | None, field: str, default: str,
            probs: list[Problem]) -> str:
    v = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not v:
        return default
    for c in choices:
        if v.lower() == c or v in (labels or {}).get(c, ()):
            return c
    probs.append(Problem(field, "bad_choice", {"value": v[:40], "choices": ", ".join(choices)}))
    return default


def _level(value, field: str, default: str, probs: list[Problem]) -> str:
    v = str(value or "").strip()
    if not v:
        return default
    try:
        c = Classification.parse(v)
    except ValueError:
        c = None
    if c is None or c.value not in PERSON_LEVELS:
        probs.append(Problem(field, "bad_level", {"value": v[:40]}))
        return default
    return c.value


LABELS = {
    "id_type": {"resident_id": ("居民身份证", "身份证"), "passport": ("护照",), "officer_id": ("军官证",),
                "other": ("其他",)},
    "employer_type": {"state_organ": ("机关", "党政机关", "国家机关"), "public_institution": ("事业单位",),
                      "state_enterprise": ("国有企业", "国企"), "private": ("民营企业", "私营企业"),
                      "foreign_invested": ("三资企业", "外资企业", "外商投资企业", "中外合资", "三资"),
                      "other": ("其他",)},
    "person_class": {"core": ("核心", "核心涉密人员"), "important": ("重要", "重要涉密人员"),
                     "general": ("一般", "一般涉密人员")},
    "status": {"active": ("在岗", "在职"), "suspended": ("暂停", "暂停涉密资格"), "decommission": ("脱密期", "脱密"),
               "left": ("离岗", "离职", "已离岗")},
}


def clean(values: dict, *, base: Person | None = None) -> tuple[dict, list[Problem]]:
    """A person's fields from a form, a row or a change -> (values, problems); `base` gives the current values
    of fields not in `values`."""
    probs: list[Problem] = []
    cur = {f: getattr(base, f) for f in FIELDS} if base is not None else {}
    v = {k: ("" if val is None else val) for k, val in values.items() if k in FIELDS}
    for k, val in v.items():
        if isinstance(val, str):
            val = textsafe.strip_invisible(val).strip()
            bad = textsafe.first_forbidden(val)
            if bad:
                probs.append(Problem(k, "bad_char", {"char": textsafe.describe(bad[1])}))
            v[k] = val
    if probs:
        return {}, probs
    get = lambda f, d="": v[f] if f in v else cur.get(f, d)
    out: dict = {}
    name = unicodedata.normalize("NFC", str(get("name")))
    if not name:
        probs.append(Problem("name", "required", {}))
    elif len(name) > 120:
        probs.append(Problem("name", "too_long", {"max": 120}))
    out["name"] = name
    for f, mx in (("unit", 200), ("post", 120), ("vetted_by", 120)):
        out[f] = unicodedata.normalize("NFC", str(get(f)))
        if len(out[f]) > mx:
            probs.append(Problem(f, "too_long", {"max": mx}))
    last = unicodedata.normalize("NFKC", str(get("id_last4"))).replace(" ", "").upper()
    if not last:
        probs.append(Problem("id_last4", "required", {}))
    elif len(last) > 6:
        probs.append(Problem("id_last4", "full_id_given", {}))
    elif not _LAST.match(last):
        probs.append(Problem("id_last4", "bad_id_last", {"value": last[:8]}))
    out["id_last4"] = last
    out["id_type"] = _choice(get("id_type"), ID_TYPES, LABELS["id_type"], "id_type", "resident_id", probs)
    nat = normalize_nationality(str(get("nationality")))
    if not re.fullmatch(r"[A-Z]{2,3}", nat):
        probs.append(Problem("nationality", "bad_nationality", {"value": nat[:40]}))
    out["nationality"] = nat
    out["employer_type"] = _choice(get("employer_type"), EMPLOYER_TYPES, LABELS["employer_type"], "employer_type",
                                   "state_organ", probs)
    out["level"] = _level(get("level"), "level", "secret", probs)
    out["vetted_level"] = _level(get("vetted_level") or out["level"], "vetted_level", out["level"], probs)
    if Classification(out["level"]).above(out["vetted_level"]):
        probs.append(Problem("level", "above_vetting", {"level": Classification(out["level"]).label("zh_CN"),
                                                        "vetted": Classification(out["vetted_level"]).label("zh_CN")}))
    out["person_class"] = _choice(get("person_class"), CLASSES, LABELS["person_class"], "person_class", "general",
                                  probs)
    out["status"] = _choice(get("status"), STATUSES, LABELS["status"], "status", "active", probs)
    out["vetted_at"] = _date(get("vetted_at", None), "vetted_at", probs)
    out["decommission_until"] = _date(get("decommission_until", None), "decommission_until", probs)
    now = today()
    if out["vetted_at"] and out["vetted_at"] > now:
        probs.append(Problem("vetted_at", "in_future", {"value": out["vetted_at"].isoformat()}))
    if out["status"] == "decommission" and out["decommission_until"] is None:
        probs.append(Problem("decommission_until", "decommission_needs_end", {}))
    if out["status"] != "decommission":
        out["decommission_until"] = None if out["status"] == "active" else out["decommission_until"]
    return out, probs


def _refuse(probs: list[Problem], row: int | None = None):
    p = probs[0]
    where = f"row {row} · " if row else ""
    return ValidationFailed(f"{where}{p.field}: {p.text('en')}", key="people.invalid", field=p.field,
                            problem=both(f"people.problem.{p.code}", field=p.field, **p.params))


def clashes(session: Session, out: dict, *, exclude: int | None = None) -> list[Problem]:
    """Duplicate person (same name, ID digits and unit) or an ID already used by another person of the unit."""
    probs = []
    for other in session.scalars(select(Person).where(func.upper(Person.id_last4) == out["id_last4"],
                                                      Person.id_type == out["id_type"])):
        if other.id == exclude or key_form(other.unit) != key_form(out["unit"]):
            continue
        if key_form(other.name) == key_form(out["name"]):
            probs.append(Problem("name", "duplicate_person", {"id": other.id, "name": other.name}))
        else:
            probs.append(Problem("id_last4", "id_used", {"id": other.id, "name": other.name}))
    return probs
