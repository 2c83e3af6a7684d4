"""Which plan rules apply for a set of event facts; due expressions; a bad rule file is refused."""
from datetime import datetime, timedelta

import pytest

from planners.core.config import RULES_DIR
from planners.core.due import parse_due
from planners.core.errors import RuleFileError
from planners.plan import PlanFacts, applicable_rules, compute_tasks, plan_rules

START = datetime(2030, 5, 1, 1, 0)
END = START + timedelta(hours=3)
BASE_SECRET = ["B1.1", "B1.2", "B1.3", "B2", "B3", "B4", "B5", "B6.1", "B7", "B8", "B10", "B10.1",
               "D1", "D2", "D3", "D4", "D7", "A3", "A4"]
DOCS = ["B9", "D6", "A1", "A2", "A5"]


def facts(**kw):
    base = dict(level="secret", start=START, end=END, relay_scope="处室负责人", venue="会议室",
                venue_verdict="suitable")
    base.update(kw)
    return PlanFacts(**base)


CASES = [
    ("an internal meeting needs no secrecy plan", facts(level="internal"), []),
    ("an internal meeting with foreigners fixes their routes", facts(level="internal", foreign_participants=True),
     ["F3"]),
    ("a secret meeting", facts(), BASE_SECRET),
    ("a confidential meeting adds the presenters' rule", facts(level="confidential"), BASE_SECRET + ["D5"]),
    ("documents issued add numbering, signature, recovery, custody, destruction",
     facts(documents_issued=True), BASE_SECRET + DOCS),
    ("foreign participants at a confidential meeting", facts(level="confidential", foreign_participants=True),
     BASE_SECRET + ["D5", "E3", "F3"]),
    ("a top-secret meeting without a device policy", facts(level="top_secret", device_policy="none"),
     [r for r in BASE_SECRET if r != "B10.1"] + ["B6.2", "B10.2", "D5"]),
    ("a venue with foreigners on site", facts(venue_unmet=("V3",), venue_verdict="conditional"),
     BASE_SECRET + ["B4.1"]),
    ("a lost document", facts(incidents=(("document_lost", END),)), BASE_SECRET + ["I4", "I2"]),
]


@pytest.mark.parametrize("name,f,expected", CASES, ids=[c[0] for c in CASES])
def test_exactly_these_rules_apply_for_the_facts(name, f, expected):
    assert sorted(applicable_rules(f)) == sorted(expected)


def test_the_catalogue_covers_before_during_after_and_the_incident_rule():
    ids = {r["id"].split(".")[0] for r in plan_rules()}
    assert {f"B{i}" for i in range(1, 11)} <= ids
    assert {f"D{i}" for i in range(1, 8)} <= ids
    assert {f"A{i}" for i in range(1, 6)} <= ids
    assert "I2" in ids
    for r in plan_rules():
        assert r["source"].strip() and r["text"]["en"] and r["text"]["zh_CN"]


def test_a_lost_document_must_be_reported_within_24_hours_of_the_incident():
    lost_at = START + timedelta(hours=1)
    tasks = compute_tasks(facts(incidents=(("document_lost", lost_at),)))
    report = next(t for t in tasks if t.rule_id == "I2")
    assert report.due_at == lost_at + timedelta(hours=24) and report.mandatory and "24" in report.text["en"]
    assert report.key == "I2#1"


def test_relay_scope_and_device_policy_appear_in_the_plan():
    tasks = {t.rule_id: t for t in compute_tasks(facts(relay_scope="各处室主要负责人"))}
    assert "各处室主要负责人" in tasks["B8"].text["zh_CN"] and "各处室主要负责人" in tasks["A4"].text["en"]
    assert "lockers" in tasks["D3"].text["en"]
    tasks = {t.rule_id: t for t in compute_tasks(facts(relay_scope=""))}
    assert "not decided yet" in tasks["B8"].text["en"]


def test_venue_remediation_tasks_join_the_before_phase():
    from planners.venues import RemedyTask

    r = RemedyTask(rule="V9", text={"en": "Book a sweep", "zh_CN": "预约检查"}, owner="organizer", due="T-2h",
                   mandatory=False, source="32 CFR 2001.51")
    t = next(t for t in compute_tasks(facts(), [r]) if t.origin == "venue")
    assert (t.key, t.phase, t.due_at) == ("venue:V9", "before", START - timedelta(hours=2))


@pytest.mark.parametrize("expr,anchor,offset", [
    ("T-7d", "start", -timedelta(days=7)), ("T-24h", "start", -timedelta(hours=24)),
    ("T-2h", "start", -timedelta(hours=2)), ("start", "start", timedelta()), ("T", "start", timedelta()),
    ("end", "end", timedelta()), ("end+24h", "end", timedelta(hours=24)), ("T-1d-2h", "start", -timedelta(hours=26)),
    ("incident+24h", "incident", timedelta(hours=24)), ("T-30m", "start", -timedelta(minutes=30)),
])
def test_due_expressions_parse(expr, anchor, offset):
    d = parse_due(expr)
    assert (d.anchor, d.offset) == (anchor, offset)


@pytest.mark.parametrize("expr", ["T-7", "tomorrow", "T*2d", "end+24x", "", "T-7d 2h"])
def test_a_bad_due_expression_is_refused(expr):
    with pytest.raises(ValueError, match="due expression"):
        parse_due(expr)


def _refused(tmp_path, old, new):
    text = (RULES_DIR / "plan.yaml").read_text(encoding="utf-8")
    assert old in text, old
    (tmp_path / "plan.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleFileError) as exc:
        plan_rules(tmp_path)
    return exc.value


@pytest.mark.parametrize("old,new,rule,problem", [
    ("    due: T-14d\n", "    due: T-14d\n    colour: red\n", "B1.1", "unknown key 'colour'"),
    ('    source: "实施条例 art. 45(1); 保密法 art. 38"\n', "", "B1.1", "'source' is missing"),
    ("    due: T-14d\n", "    due: fortnight before\n", "B1.1", "bad due expression"),
    ("    when: {level_at_least: 秘密}\n", "    when: {weather: rain}\n", "B1.1", "unknown condition 'weather'"),
    ("    phase: before\n", "    phase: someday\n", "B1.1", "use one of before, during, after"),
    ("    owner: organizer\n", "    owner: janitor\n", "B1.1", "use one of"),
    ("({level})", "({colour})", "B1.1", "unknown placeholder {colour}"),
])
def test_a_bad_plan_rule_file_is_refused_naming_file_rule_and_problem(tmp_path, old, new, rule, problem):
    e = _refused(tmp_path, old, new)
    assert e.file == "plan.yaml" and e.rule == rule and problem in e.problem and e.line
    assert f"plan.yaml:{e.line}: rule {rule}" in str(e)
