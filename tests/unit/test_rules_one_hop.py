"""A newcomer finds each rule in one hop: data/rules/X.yaml is read by the package planners/X/, and every rule of
the file is applied by code in that package (not in a page, not in another area)."""
from __future__ import annotations

import itertools
import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "data" / "rules"


def _package_source(area: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "planners" / area).rglob("*.py"))


def _rule_files() -> list[str]:
    return sorted(p.stem for p in RULES.glob("*.yaml") if p.stem != "audit")


@pytest.mark.parametrize("area", _rule_files())
def test_each_rule_file_is_read_by_the_package_of_its_name_and_nowhere_else(area):
    assert (ROOT / "planners" / area / "__init__.py").exists(), f"data/rules/{area}.yaml has no package planners/{area}/"
    call = re.compile(rf"load_catalogue\(\s*\"{area}\"")
    readers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "planners").rglob("*.py")
                     if call.search(p.read_text(encoding="utf-8")))
    assert readers and all(r.startswith(f"planners/{area}/") for r in readers), readers


def _ids(area: str, key: str = "rules") -> list[str]:
    return [r["id"] for r in yaml.safe_load((RULES / f"{area}.yaml").read_text(encoding="utf-8"))[key]]


def _visit_types() -> set[str]:
    import yaml

    from planners.core.config import ROOT

    doc = yaml.safe_load((ROOT / "data/rules/plan.yaml").read_text(encoding="utf-8"))
    out = {""}
    for r in doc.get("rules", []):
        v = (r.get("when") or {}).get("visit_type")
        out.update(v if isinstance(v, list) else [v] if v else [])
    return out


VISITS = [(t, k) for t in sorted(_visit_types()) for k in (False, True)]


def test_every_plan_rule_gives_a_task_for_some_event():
    from planners.plan.build import PlanFacts, applicable_rules

    seen = set()
    for level in ("internal", "secret", "confidential", "top_secret"):
        for kind in ("meeting", "foreign_visit"):
            for flag in (False, True):
                for policy, (vtype, keyloc) in itertools.product(("lockers", "approved_only", "none"), VISITS):
                    f = PlanFacts(level=level, kind=kind, foreign_participants=flag, documents_issued=flag,
                                  visit_type=vtype if kind == "foreign_visit" else "", route_key_location=keyloc,
                                  device_policy=policy, incidents=(("document_lost", datetime(2027, 1, 10, 2)),) if flag else (),
                                  venue_unmet=("V3",) if flag else (), venue_verdict="conditional" if flag else None,
                                  start=datetime(2027, 1, 10, 1), end=datetime(2027, 1, 10, 5))
                    seen.update(applicable_rules(f))
    assert set(_ids("plan")) - seen == set()


def test_every_venue_criterion_is_judged_by_the_suitability_check():
    kinds = ("meeting", "foreign_visit")  # a visit's criteria (VV1–VV3, issue 12) are judged for visits
    from planners.venues.suitability import assess, criteria

    from types import SimpleNamespace

    V = lambda: SimpleNamespace(id=1, name="v", kind="foreign_hotel", features={}, last_sweep_at=None)  # noqa: E731

    judged = set()
    for level in ("internal", "secret", "confidential", "top_secret"):
        for flags in (False, True):
            for kind in kinds:
                a = assess(V(), level, datetime(2027, 1, 10, 1), foreign_participants=flags, documents_issued=flags,
                           now=datetime(2027, 1, 1), kind=kind,
                           event_facts={"route_key_location": flags} if kind == "foreign_visit" else None)
                judged.update(f.rule for f in a.findings)
    assert {c["id"] for c in criteria()} == set(_ids("venues"))
    assert set(_ids("venues")) - judged == set()


def test_every_eligibility_rule_names_a_check_the_attendees_package_runs():
    from planners.attendees import eligibility

    rules = yaml.safe_load((RULES / "attendees.yaml").read_text(encoding="utf-8"))["rules"]
    src = _package_source("attendees")
    for r in rules:
        assert r["check"] in eligibility.CHECKS
        assert f'"{r["check"]}"' in src, f"rule {r['id']}: no code in planners/attendees/ runs check {r['check']}"


def test_every_documents_rule_is_raised_by_the_documents_package():
    src = _package_source("documents")
    rules = yaml.safe_load((RULES / "documents.yaml").read_text(encoding="utf-8"))["rules"]
    missing = [r["id"] for r in rules if not re.search(rf"\b{r['code']}\b", src)]
    assert missing == []


def test_every_visits_topic_is_in_the_disclosure_catalogue():
    from planners.visits import disclosure

    codes = {t["id"] for t in disclosure.catalogue_file()["topics"]}
    assert set(_ids("visits", "topics")) == codes


def test_five_rules_are_found_in_one_hop():
    """The closing note's check: a rule id -> its file -> the package of that name applies it."""
    picks = {"plan": "B1.2", "venues": "V5", "attendees": "E3", "documents": "DOC-DINGMI", "visits": "investment_policy"}
    for area, rule_id in picks.items():
        assert rule_id in _ids(area, "topics" if area == "visits" else "rules")
        assert (ROOT / "planners" / area).is_dir()
