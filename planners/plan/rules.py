"""The plan's rule file (data/rules/plan.yaml): its schema, the checks that refuse a bad file, and the rules."""
from __future__ import annotations

import string
from datetime import timedelta


from planners.base.auth import ROLES
from planners.core.due import check_due, parse_due
from planners.base.events import DEVICE_POLICIES, KINDS
from planners.core.levels import Classification
from planners.core.rules import Field, load_catalogue
from planners.venues import VERDICTS

PHASES = ("before", "during", "after")
TASK_STATUSES = ("open", "done", "na")
INCIDENT_KINDS = ("document_lost",)
PLACEHOLDERS = ("level", "venue", "venue_verdict", "relay_scope", "device_policy")
WHEN_KEYS = ("level_at_least", "kind", "foreign_participants", "documents_issued", "device_policy",
             "relay_scope_set", "venue_verdict", "venue_unmet", "incident",
             "visit_type", "route_key_location")  # issue 12: a foreign visit's type (F7) and its route
VISIT_TYPES = ("one_time", "recurring", "long_term", "unannounced")  # F7 (the visits area keeps the same tuple)
LANGS = ("en", "zh_CN")


# ---------------------------------------------------------------- the rule file

def _check_when(value) -> None:
    if not isinstance(value, dict):
        raise ValueError("'when' is a mapping such as {level_at_least: 机密, foreign_participants: true}")
    for k, v in value.items():
        if k not in WHEN_KEYS:
            raise ValueError(f"unknown condition {k!r}: use {', '.join(WHEN_KEYS)}")
        if k == "level_at_least":
            Classification.parse(v)
        elif k in ("foreign_participants", "documents_issued", "relay_scope_set", "route_key_location"):
            if not isinstance(v, bool):
                raise ValueError(f"{k} is true or false")
        elif k in ("kind", "device_policy", "venue_verdict", "venue_unmet"):
            allowed = {"kind": KINDS, "device_policy": DEVICE_POLICIES, "venue_verdict": VERDICTS}.get(k)
            if not isinstance(v, list) or not v:
                raise ValueError(f"{k} is a list, e.g. [{(allowed or ('V3',))[0]}]")
            if allowed and any(x not in allowed for x in v):
                raise ValueError(f"{k}: use values from {', '.join(allowed)}")
        elif k == "visit_type":
            if not isinstance(v, list) or not v or any(x not in VISIT_TYPES for x in v):
                raise ValueError(f"visit_type is a list of {', '.join(VISIT_TYPES)}")
        elif k == "incident" and v not in INCIDENT_KINDS:
            raise ValueError(f"incident is one of {', '.join(INCIDENT_KINDS)}")


def _check_text(value) -> None:
    for lang in LANGS:
        for _, name, _, _ in string.Formatter().parse(str(value.get(lang, ""))):
            if name is not None and name not in PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {{{name}}} in the {lang} text: use {', '.join(PLACEHOLDERS)}")


def _check_alarm(value) -> None:
    d = parse_due("T-" + str(value))
    if d.offset >= timedelta():
        raise ValueError("alarm is a duration such as 1d, 2h or 30m")


PLAN_FIELDS = {
    "phase": Field("enum", required=True, choices=PHASES),
    "owner": Field("enum", required=True, choices=tuple(ROLES)),
    "due": Field("str", required=True, check=check_due),
    "when": Field("dict", check=_check_when),
    "mandatory": Field("bool"),
    "proposal": Field("bool"),
    "alarm": Field("str", check=_check_alarm),
    "text": Field("bilingual", required=True, check=_check_text),
}


def check_rules(rules_dir=None) -> None:
    """Load the plan and venue rule files; RuleFileError when either is wrong (show it, build nothing)."""
    from planners.venues import criteria

    plan_rules(rules_dir)
    criteria(rules_dir)


def plan_rules(rules_dir=None) -> list[dict]:
    """The plan rules (RuleFileError, naming file, line, rule and problem, when the file is wrong)."""
    return load_catalogue("plan", PLAN_FIELDS, rules_dir=rules_dir)["rules"]


# issue 16: a new meeting is not born overdue
def earliest_lead(rules_dir=None):
    """The longest time a before-task is due ahead of the start (T-14d → 14 days): a meeting starting later than
    now + this leaves every task of its plan feasible."""
    from datetime import timedelta

    leads = [-d.offset for d in (parse_due(r["due"]) for r in plan_rules(rules_dir)) if d.anchor == "start"]
    return max([x for x in leads if x > timedelta()], default=timedelta())
