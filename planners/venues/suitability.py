"""Suitability of a venue for a level, from the criteria in data/rules/venues.yaml: a verdict with
its findings and the remediation tasks it implies, and the gate that keeps an event from being ready."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from planners.core.errors import NotFound
from planners.store.models import Venue
from datetime import timedelta
from planners.core.due import check_due
from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.core.rules import Field, load_catalogue
from planners.core.clock import utcnow
from planners.venues.records import FEATURES, VENUE_KINDS

# ---------------------------------------------------------------- suitability by level (data/rules/venues.yaml)



REQUIREMENTS = ("mandatory", "recommended", "proposal")
WHEN_KEYS = ("foreign_participants", "documents_issued")
VERDICTS = ("suitable", "conditional", "unsuitable")
VERDICT_COLOR = {"suitable": "green", "conditional": "orange", "unsuitable": "red"}


def _check_levels(value) -> None:
    if not isinstance(value, dict) or not value:
        raise ValueError("write a mapping of level to requirement, e.g. {秘密: mandatory, 机密: mandatory}")
    for lvl, req in value.items():
        try:
            c = Classification.parse(lvl)
        except ValueError as exc:
            raise ValueError(str(exc)) from exc
        if not c.is_state_secret:
            raise ValueError(f"{lvl}: venue criteria are set for 秘密, 机密 and 绝密 only")
        if req not in REQUIREMENTS:
            raise ValueError(f"{lvl}: {req!r} is not one of {', '.join(REQUIREMENTS)}")


def _check_check(value) -> None:
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError("write exactly one of {feature: NAME}, {absent: NAME}, {kind_not: [KINDS]}, "
                         "{sweep_within_hours: N}")
    (k, v), = value.items()
    if k in ("feature", "absent"):
        if v not in FEATURES:
            raise ValueError(f"unknown venue feature {v!r}: use one of {', '.join(FEATURES)}")
    elif k == "kind_not":
        if not isinstance(v, list) or not v or any(x not in VENUE_KINDS for x in v):
            raise ValueError(f"kind_not lists venue kinds from {', '.join(VENUE_KINDS)}")
    elif k == "route_clear":  # issue 12: the visit's route passes no key location (an event fact)
        if v is not True:
            raise ValueError("route_clear is written {route_clear: true}")
    elif k == "sweep_within_hours":
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise ValueError("sweep_within_hours is a whole number of hours above 0")
    else:
        raise ValueError(f"unknown check {k!r}: use feature, absent, kind_not, sweep_within_hours or route_clear")


def _check_when(value) -> None:
    if not isinstance(value, dict):
        raise ValueError("'when' is a mapping such as {foreign_participants: true}")
    for k, v in value.items():
        if k not in WHEN_KEYS:
            raise ValueError(f"unknown condition {k!r}: use {', '.join(WHEN_KEYS)}")
        if not isinstance(v, bool):
            raise ValueError(f"{k} is true or false")


def _check_remedy(value) -> None:
    from planners.base.auth import ROLES

    if not isinstance(value, dict):
        raise ValueError("'remedy' is a mapping {text: {en:, zh_CN:}, owner: ROLE, due: EXPR}")
    extra = set(value) - {"text", "owner", "due"}
    if extra:
        raise ValueError(f"unknown key(s) {', '.join(sorted(extra))} in remedy: use text, owner, due")
    t = value.get("text")
    if not isinstance(t, dict) or not all(str(t.get(lang) or "").strip() for lang in ("en", "zh_CN")):
        raise ValueError("remedy text needs both languages {en: ..., zh_CN: ...}")
    if value.get("owner") not in ROLES:
        raise ValueError(f"remedy owner must be one of {', '.join(ROLES)}")
    check_due(value.get("due"))


def _check_region_levels(value) -> None:
    if not isinstance(value, dict) or not value:
        raise ValueError("write region: {level: requirement}, e.g. {beijing: {秘密: mandatory}}")
    for region, levels in value.items():
        if not isinstance(region, str) or not region.strip():
            raise ValueError("a region is a name such as beijing")
        _check_levels(levels)


def _check_visit(value) -> None:
    if value not in REQUIREMENTS:
        raise ValueError(f"visit is one of {', '.join(REQUIREMENTS)} (how the criterion applies to a foreign visit)")


VENUE_FIELDS = {
    "criterion": Field("bilingual", required=True),
    "levels": Field("dict", check=_check_levels),  # issue 12: a visit-only criterion has `visit:` instead
    "visit": Field("str", check=_check_visit),  # issue 12: how it applies to a foreign visit, whatever its level
    "region_levels": Field("dict", check=_check_region_levels),
    "check": Field("dict", required=True, check=_check_check),
    "when": Field("dict", check=_check_when),
    "unmet": Field("bilingual", required=True),
    "remedy": Field("dict", required=True, check=_check_remedy),
}


VENUE_TOP = {"region": Field("str")}


def _catalogue(rules_dir=None) -> dict:
    return load_catalogue("venues", VENUE_FIELDS, rules_dir=rules_dir, top_fields=VENUE_TOP)


def criteria(rules_dir=None) -> list[dict]:
    """The venue criteria (RuleFileError when the file is wrong)."""
    return _catalogue(rules_dir)["rules"]


def region(rules_dir=None) -> str:
    """The region whose stricter rules apply (top-level `region:` of venues.yaml; '' = the national baseline)."""
    return str(_catalogue(rules_dir).get("region") or "").strip()


@dataclass(frozen=True, kw_only=True)
class RemedyTask:
    rule: str
    text: dict[str, str]
    owner: str
    due: str
    mandatory: bool
    source: str


@dataclass(frozen=True, kw_only=True)
class VenueAssessment:
    verdict: str  # suitable / conditional / unsuitable
    level: str
    venue_id: int | None
    venue_name: str
    findings: list[Finding]
    tasks: list[RemedyTask]

    @property
    def color(self) -> str:
        return VERDICT_COLOR[self.verdict]

    @property
    def unmet(self) -> list[str]:
        return [f.rule for f in self.findings if not f.met]


def _level_requirement(rule: dict, level: Classification, where: str = "", kind: str = "meeting") -> str | None:
    if kind == "foreign_visit":  # issue 12: a visit is never a state-secret event; its criteria say `visit:`
        return rule.get("visit")
    base = rule.get("levels") or {}
    levels = (rule.get("region_levels") or {}).get(where) or base if where else base
    for lvl, req in levels.items():
        if Classification.parse(lvl) == level:
            return req
    return None


def _met(rule: dict, venue: Venue, event_start: datetime, now: datetime, event_facts: dict | None = None) -> bool:
    (k, v), = rule["check"].items()
    feats = venue.features or {}
    if k == "route_clear":
        return not (event_facts or {}).get("route_key_location")
    if k == "feature":
        return bool(feats.get(v))
    if k == "absent":
        return not feats.get(v)
    if k == "kind_not":
        return venue.kind not in v
    # a sweep counts only if done (not in the future) and no earlier than N hours before the start
    sweep = venue.last_sweep_at
    return sweep is not None and sweep <= now and event_start - timedelta(hours=v) <= sweep <= event_start


def assess(venue: Venue, level, event_start: datetime, *, foreign_participants: bool = False,
           documents_issued: bool = False, now: datetime | None = None, rules_dir=None,
           where: str | None = None, kind: str = "meeting", event_facts: dict | None = None) -> VenueAssessment:
    """The venue's suitability for an event of `level` starting at `event_start` (naive UTC), under the rules of
    region `where` (default: the `region:` set in venues.yaml)."""
    lvl = Classification.parse(level)
    now = now or utcnow()
    facts = {"foreign_participants": foreign_participants, "documents_issued": documents_issued}
    findings: list[Finding] = []
    tasks: list[RemedyTask] = []
    where = region(rules_dir) if where is None else where
    for rule in criteria(rules_dir):
        req = _level_requirement(rule, lvl, where, kind)
        if req is None or any(facts.get(k) != v for k, v in (rule.get("when") or {}).items()):
            continue
        met = _met(rule, venue, event_start, now, event_facts)
        mandatory = req == "mandatory"
        severity = Severity.INFO if met else (Severity.BLOCKER if mandatory else Severity.WARNING)
        req_label = both(f"venues.req_{req}")
        reason = ({lang: f"{rule['criterion'][lang]} — {both('venues.met')[lang]} ({req_label[lang]})"
                   for lang in ("en", "zh_CN")} if met else
                  {lang: f"{rule['unmet'][lang]} ({req_label[lang]})" for lang in ("en", "zh_CN")})
        findings.append(Finding(rule=rule["id"], severity=severity, reason=reason, source=rule["source"], met=met,
                                data={"criterion": rule["criterion"], "requirement": req,
                                      "proposal": req == "proposal", "mandatory": mandatory}))
        if not met:
            r = rule["remedy"]
            tasks.append(RemedyTask(rule=rule["id"], text=r["text"], owner=r["owner"], due=r["due"],
                                    mandatory=mandatory, source=rule["source"]))
    if any(not f.met and f.severity == Severity.BLOCKER for f in findings):
        verdict = "unsuitable"
    elif any(not f.met for f in findings):
        verdict = "conditional"
    else:
        verdict = "suitable"
    return VenueAssessment(verdict=verdict, level=lvl.value, venue_id=venue.id, venue_name=venue.name,
                           findings=findings, tasks=tasks)


def assess_event(session: Session, event, *, now: datetime | None = None, rules_dir=None) -> VenueAssessment | None:
    """The assessment of the event's venue for the event's level and facts; None when it has no venue."""
    if event.venue_id is None:
        return None
    venue = session.get(Venue, event.venue_id)
    if venue is None:
        return None
    return assess(venue, event.level, event.starts_at, foreign_participants=bool(event.foreign_participants),
                  documents_issued=bool((event.facts or {}).get("documents_issued")), now=now, rules_dir=rules_dir,
                  kind=event.kind, event_facts=dict(event.facts or {}))


def get_venue(session: Session, venue_id: int) -> Venue:
    v = session.get(Venue, venue_id)
    if v is None:
        raise NotFound("No such venue.", key="error.not_found")
    return v


def ready_findings(session: Session, event) -> list[Finding]:
    """Why the venue stops the event from being ready (empty: it does not). A foreign visit needs no venue, but
    an unsuitable one stops it (issue 12)."""
    if event.kind == "foreign_visit":
        if event.venue_id is None:
            return []
    elif not Classification.parse(event.level).is_state_secret:
        return []
    a = assess_event(session, event)
    if a is None:
        return [Finding(rule="venue", severity=Severity.BLOCKER, source="实施条例 art. 45(2)",
                        reason=both("venues.gate_no_venue"))]
    if a.verdict != "unsuitable":
        return []
    return [Finding(rule=f.rule, severity=Severity.BLOCKER, source=f.source, met=False,
                    reason={lang: both("venues.gate_unsuitable", venue=a.venue_name)[lang] + " " + f.reason[lang]
                            for lang in ("en", "zh_CN")})
            for f in a.findings if not f.met and f.severity == Severity.BLOCKER]
