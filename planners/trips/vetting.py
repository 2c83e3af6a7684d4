"""Vetting of each traveller (data/rules/trips.yaml, kind `vetting`): pure, table-driven.

`traveller_findings(person, ...)` reads a person of the register (name, level, person_class, status,
decommission_until, barred) and whether their outbound pledge is valid for the trip, and gives one Finding per rule
that applies, each with its rule id, source and what to do. A BLOCKER refuses the approval."""
from __future__ import annotations

from datetime import date

from planners.core.findings import Finding, Severity
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.trips import rules as trip_rules


def _level(person) -> Classification | None:
    try:
        return Classification.parse(getattr(person, "level", "") or "public")
    except ValueError:
        return None


def approvers_needed(people: list) -> int:
    """How many different leaders must approve: the higher approval for core (核心) staff (TRV-CORE)."""
    if any(getattr(p, "person_class", "") == "core" for p in people):
        return int(trip_rules.rule("core_class", "vetting").get("approvers") or 1)
    return 1


def traveller_findings(person, *, pledge_ok: bool, starts_on: date, ends_on: date) -> list[Finding]:
    name = getattr(person, "name", "?")
    out: list[Finding] = []
    status = getattr(person, "status", "active") or "active"
    if getattr(person, "barred", False):
        out.append(trip_rules.finding("barred", "vetting", name=name))
    if status in ("suspended", "left"):
        out.append(trip_rules.finding("not_active", "vetting", name=name, status=both(f"trips.person_{status}")))
    until = getattr(person, "decommission_until", None)
    if status == "decommission" and (until is None or until >= starts_on):
        out.append(trip_rules.finding("decommission", "vetting", name=name,
                                      until=until.isoformat() if until else "—"))
    lvl = _level(person)
    if lvl is not None and lvl.is_state_secret:
        out.append(trip_rules.finding("secret_person", "vetting", name=name,
                                      level={"en": lvl.label("en"), "zh_CN": lvl.label("zh_CN")}))
        if lvl is Classification.TOP_SECRET:
            out.append(trip_rules.finding("top_secret_person", "vetting", name=name))
    if getattr(person, "person_class", "") == "core":
        out.append(trip_rules.finding("core_class", "vetting", name=name))
    if not pledge_ok:
        out.append(trip_rules.finding("outbound_pledge", "vetting", name=name))
    return out


def destination_findings(destinations: list[str]) -> list[Finding]:
    flags = trip_rules.flagged()
    return [trip_rules.finding("flagged_destination", "vetting",
                               country={"en": trip_rules.country_name(c, "en"),
                                        "zh_CN": trip_rules.country_name(c, "zh_CN")}, why=flags[c])
            for c in destinations if c in flags]


def blockers(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.BLOCKER and not f.met]
