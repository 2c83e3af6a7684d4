"""The rules of the people register (data/rules/people.yaml): which pledge and which training each 涉密人员 class
needs to be admitted to a state-secret event, how long each is valid, and the 脱密期 each class proposes."""
from __future__ import annotations

from datetime import date, timedelta

from planners.core.rules import Field, load_catalogue

CLASSES = ("core", "important", "general")
PLEDGE_KINDS = ("secrecy_pledge", "responsibility", "leaving", "outbound")
TRAINING_STAGES = ("onboarding", "in_post", "leaving")  # 三岗教育: 上岗 / 在岗 / 离岗


def _classes(value) -> None:
    if not isinstance(value, list) or not value or any(v not in CLASSES for v in value):
        raise ValueError(f"list one or more of {', '.join(CLASSES)}")


def _per_class(value) -> None:
    if not isinstance(value, dict) or any(k not in CLASSES or not isinstance(v, int) for k, v in value.items()):
        raise ValueError(f"give a whole number for each of {', '.join(CLASSES)}")


FIELDS = {
    "kind": Field("enum", required=True, choices=("pledge", "training", "decommission")),
    "code": Field("str", required=True),
    "classes": Field("list", required=True, check=_classes),
    "admission": Field("bool", required=True),
    "valid_days": Field("int"),
    "min_hours": Field("dict", check=_per_class),
    "days": Field("dict", check=_per_class),
    "proposal": Field("bool"),
    "text": Field("bilingual", required=True),
}


def catalogue() -> list[dict]:
    return load_catalogue("people", FIELDS)["rules"]


def rule_for(kind: str, code: str) -> dict | None:
    return next((r for r in catalogue() if r["kind"] == kind and r["code"] == code), None)


def required(person_class: str, kind: str) -> list[dict]:
    """The admission rules of `kind` (pledge / training) a person of `person_class` must meet."""
    return [r for r in catalogue() if r["kind"] == kind and r.get("admission") and person_class in r["classes"]]


def default_expiry(kind: str, code: str, start: date) -> date | None:
    """The end of validity the rules give a pledge or training that starts on `start` (None: no end)."""
    r = rule_for(kind, code)
    days = (r or {}).get("valid_days") or 0
    return start + timedelta(days=days) if days else None


def min_hours(code: str, person_class: str) -> int:
    r = rule_for("training", code) or {}
    return int((r.get("min_hours") or {}).get(person_class, 0))


def decommission_days(person_class: str) -> int:
    r = rule_for("decommission", "decommission") or {}
    return int((r.get("days") or {}).get(person_class, 365))
