"""The document rules (data/rules/documents.yaml) and what they imply: refusals with their source,
retention periods and the level marking, copy codes, and who may manage or move copies."""
from __future__ import annotations

import re
from datetime import date


from planners.base.auth import Principal
from planners.core.errors import CopyCodeUnreadable, RetentionBeyondMaximum, ValidationFailed
from planners.core.findings import Finding, Severity
from planners.core.i18n import both, t
from planners.core.levels import Classification
from planners.core.rules import Field, load_catalogue
from planners.store.models import Event
from planners.store.models_documents import Document
from planners.core import permissions

CARRIERS = ("paper", "magnetic", "optical_electronic", "device")
RETENTION_KINDS = ("period", "date", "condition")

CODE_PREFIX = "DOC"
MAX_COPIES = 500

RULE_FIELDS = {
    "code": Field("str", required=True),
    "text": Field("bilingual", required=True),
    "params": Field("dict"),
    "proposal": Field("bool"),
}


# ---------------------------------------------------------------- rules and findings

def rules() -> dict[str, dict]:
    """The document rules by code (data/rules/documents.yaml)."""
    doc = load_catalogue("documents", RULE_FIELDS)
    return {r["code"]: r for r in doc["rules"]}


def rule_param(code: str, name: str, default=None):
    return (rules()[code].get("params") or {}).get(name, default)


def refusal(rule_code: str, /, **params) -> Finding:
    r = rules()[rule_code]
    return Finding(rule=r["id"], severity=Severity.BLOCKER, reason=both(f"documents.refusal.{rule_code}", **params),
                   source=r["source"], data={"code": rule_code})


# ---------------------------------------------------------------- retention and marking

_PERIOD = re.compile(r"^\s*(\d{1,3})\s*(年|years?|y)\s*$", re.I)
_MONTHS = re.compile(r"^\s*(\d{1,3})\s*(个月|months?|m)\s*$", re.I)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def check_retention(level: str, kind: str, value: str, classified_on: date) -> tuple[str, str]:
    """Validate a 保密期限 and return (kind, normalised value). Never longer than the level's legal maximum
    (保密法 art. 20); a date runs from the 定密 date (实施条例 art. 19)."""
    lvl = Classification.parse(level)
    value = (value or "").strip()
    if not lvl.is_state_secret:
        if value:
            raise ValidationFailed("A 保密期限 applies only to 秘密, 机密 and 绝密; leave it empty.",
                                   key="documents.retention_not_secret", field="retention")
        return "", ""
    # the maximum for the level: the rule file's (an organization may be stricter), else the law's
    maximum = int(rule_param("retention_beyond_maximum", lvl.value, lvl.max_retention_years))
    if kind not in RETENTION_KINDS:
        raise ValidationFailed("Choose whether the 保密期限 is a period, a date or a condition.",
                               key="documents.retention_kind_required", field="retention_kind")
    if not value:
        raise ValidationFailed("Enter the 保密期限 (e.g. 10年, a date, or a condition).",
                               key="documents.retention_required", field="retention")
    too_long = RetentionBeyondMaximum(
        f"{value} is longer than the legal maximum of {maximum} years for {lvl.label('en')} "
        f"(保密法 art. 20): set a shorter period.", field="retention", value=value, max=maximum,
        level=lvl.label("zh_CN"))
    if kind == "period":
        m, mm = _PERIOD.match(value), _MONTHS.match(value)
        if m:
            years = int(m.group(1))
            if years < 1:
                raise ValidationFailed("The period must be at least 1 year.", key="documents.retention_bad",
                                       field="retention", value=value)
            if years > maximum:
                raise too_long
            return kind, f"{years}年"
        if mm:
            months = int(mm.group(1))
            if months < 1:
                raise ValidationFailed("The period must be at least 1 month.", key="documents.retention_bad",
                                       field="retention", value=value)
            if months > maximum * 12:
                raise too_long
            return kind, f"{months}个月"
        raise ValidationFailed("Write the period as N年 (e.g. 10年) or N个月.", key="documents.retention_bad",
                               field="retention", value=value)
    if kind == "date":
        try:
            d = date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationFailed("Write the date as YYYY-MM-DD.", key="documents.retention_bad",
                                   field="retention", value=value) from exc
        if d <= classified_on:
            raise ValidationFailed("The date must come after the 定密 date.", key="documents.retention_bad",
                                   field="retention", value=value)
        if d > _add_years(classified_on, maximum):
            raise too_long
        return kind, d.isoformat()
    if len(value) > 120:
        raise ValidationFailed("Keep the condition under 120 characters.", key="documents.retention_bad",
                               field="retention", value=value[:20])
    return kind, value


def marking(level: str, kind: str, value: str) -> str:
    """The carrier marking, e.g. '机密★20年' (实施条例 art. 21)."""
    lvl = Classification.parse(level)
    if not lvl.is_state_secret or not value:
        return lvl.label("zh_CN")
    if kind == "date":
        d = date.fromisoformat(value)
        return lvl.marking(f"{d.year}年{d.month}月{d.day}日")
    if kind == "condition":
        return lvl.marking(value if len(value) <= 16 else value[:15] + "…")
    return lvl.marking(value)


def doc_marking(d: Document) -> str:
    return marking(d.level, d.retention_kind, d.retention)


def copy_label(number: int, total: int, lang: str = "zh_CN") -> str:
    return t("documents.copy_n_of", lang, n=number, total=total)


# ---------------------------------------------------------------- copy codes

def copy_code(event_id: int, document_id: int, number: int) -> str:
    """The text of a copy's QR label: it names the event, the document and the copy."""
    return f"{CODE_PREFIX}-{event_id}-{document_id}-{number}"


_CODE = re.compile(rf"^\s*{CODE_PREFIX}-(\d+)-(\d+)-(\d+)\s*$", re.I)


def parse_code(code: str) -> tuple[int, int, int]:
    m = _CODE.match(code or "")
    if not m:
        raise CopyCodeUnreadable("The copy code is unreadable: scan the label again or type it as DOC-E-D-N.",
                                 field="code", code=(code or "")[:40])
    return int(m.group(1)), int(m.group(2)), int(m.group(3))



# ---------------------------------------------------------------- permissions

def _may_manage(ev: Event, actor: Principal) -> None:
    permissions.require(actor, "documents.manage", ev)


def _may_desk(ev: Event, actor: Principal) -> None:
    if actor.role == "front_desk":
        permissions.require(actor, "documents.desk", ev)
    else:
        permissions.require(actor, "documents.manage", ev)
