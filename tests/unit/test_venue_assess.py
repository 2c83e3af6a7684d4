"""Venue suitability by level (data/rules/venues.yaml): level x venue kind x features -> verdict and findings."""
from datetime import datetime, timedelta

import pytest

from planners.core.errors import RuleFileError
from planners.core.findings import Severity
from planners.store.models import Venue
from planners.venues import FEATURES, assess, criteria

NOW = datetime(2030, 5, 1, 8, 0)
START = NOW + timedelta(hours=1)
ALL = {f: True for f in FEATURES if f != "foreigners_on_site"}
FRESH = NOW - timedelta(hours=2)


def venue(kind="own_premises", sweep=FRESH, **changes):
    feats = {**ALL, "foreigners_on_site": False, **changes}
    return Venue(id=1, name="会议室", kind=kind, features=feats, last_sweep_at=sweep)


CASES = [
    # level, venue, facts, verdict, unmet criteria
    ("secret", venue(), {}, "suitable", []),
    ("confidential", venue(), {}, "suitable", []),
    ("top_secret", venue(), {}, "suitable", []),
    ("confidential", venue(sweep=NOW - timedelta(days=20)), {}, "conditional", ["V9"]),
    ("confidential", venue(sweep=None), {}, "conditional", ["V9"]),
    ("confidential", venue(sweep=NOW + timedelta(minutes=30)), {}, "conditional", ["V9"]),  # not done yet
    ("secret", venue(kind="foreign_hotel"), {}, "unsuitable", ["V2"]),
    ("top_secret", venue(kind="foreign_hotel", foreigners_on_site=True), {}, "unsuitable", ["V2", "V3"]),
    ("internal", venue(kind="foreign_hotel", enclosed_access_control=False), {}, "suitable", []),
    ("confidential", venue(kind="government", enclosed_access_control=False), {}, "unsuitable", ["V1"]),
    ("confidential", venue(kind="public", foreigners_on_site=True), {}, "conditional", ["V3"]),
    ("secret", venue(wired_pa_only=False, windows_covered=False), {}, "conditional", ["V4", "V7"]),
    ("secret", venue(secure_storage=False), {}, "suitable", []),
    ("secret", venue(secure_storage=False), {"documents_issued": True}, "unsuitable", ["V10"]),
    ("top_secret", venue(secure_storage=False), {}, "unsuitable", ["V11"]),
    ("confidential", venue(escorted_route=False), {}, "suitable", []),
    ("confidential", venue(escorted_route=False), {"foreign_participants": True}, "conditional", ["V13"]),
    ("top_secret", venue(guard_cordon=False, acoustic_rated=False, wireless_shielding=False, phone_lockers=False),
     {}, "conditional", ["V12", "V5", "V6", "V8"]),
]


@pytest.mark.parametrize("level,v,facts,verdict,unmet", CASES)
def test_venue_verdict_by_level_kind_and_features(level, v, facts, verdict, unmet):
    a = assess(v, level, START, now=NOW, **facts)
    assert a.verdict == verdict
    assert sorted(a.unmet) == unmet
    assert sorted(r.rule for r in a.tasks) == unmet  # every unmet criterion gives a remediation task
    for f in a.findings:
        assert f.source and f.reason["en"] and f.reason["zh_CN"]
        assert f.met or f.severity in (Severity.BLOCKER, Severity.WARNING)


def test_a_foreign_related_hotel_is_unsuitable_for_every_state_secret_level():
    for level in ("secret", "confidential", "top_secret"):
        a = assess(venue(kind="foreign_hotel"), level, START, now=NOW)
        assert a.verdict == "unsuitable"
        v2 = next(f for f in a.findings if f.rule == "V2")
        assert not v2.met and v2.severity == Severity.BLOCKER and "P3" in v2.source


def test_a_sweep_older_than_the_rule_allows_counts_as_not_done_and_asks_for_a_new_one():
    a = assess(venue(sweep=START - timedelta(hours=49)), "confidential", START, now=NOW)
    task = next(t for t in a.tasks if t.rule == "V9")
    assert "48 h" in task.text["en"] and task.due == "T-2h" and not task.mandatory
    a = assess(venue(sweep=START - timedelta(hours=47)), "confidential", START, now=NOW)
    assert "V9" not in a.unmet


def test_the_projects_own_proposals_are_marked_as_such():
    a = assess(venue(windows_covered=False), "secret", START, now=NOW)
    v7 = next(f for f in a.findings if f.rule == "V7")
    assert v7.data["proposal"] and "proposal" in v7.reason["en"] and "本项目建议" in v7.reason["zh_CN"]
    assert "proposal" in v7.source


def test_every_criterion_cites_a_source_and_has_both_languages():
    for rule in criteria():
        assert rule["source"].strip()
        assert rule["criterion"]["en"] and rule["criterion"]["zh_CN"]


@pytest.mark.parametrize("change,problem", [
    ("    check: {feature: enclosed_access_control}\n", "    check: {feature: moat}\n"),
    ("    levels: {秘密: mandatory, 机密: mandatory, 绝密: mandatory}\n",
     "    levels: {秘密: mandatory, 机密: maybe, 绝密: mandatory}\n"),
])
def test_a_bad_venue_rule_file_is_refused(tmp_path, change, problem):
    from planners.core.config import RULES_DIR

    text = (RULES_DIR / "venues.yaml").read_text(encoding="utf-8")
    assert change in text
    (tmp_path / "venues.yaml").write_text(text.replace(change, problem, 1), encoding="utf-8")
    with pytest.raises(RuleFileError) as exc:
        criteria(tmp_path)
    assert exc.value.rule == "V1" and exc.value.file == "venues.yaml" and exc.value.line
    assert str(exc.value).startswith(f"venues.yaml:{exc.value.line}: rule V1")


@pytest.mark.parametrize("where,verdict", [("", "conditional"), ("beijing", "unsuitable")])
def test_in_beijing_shielding_and_phone_lockers_are_mandatory(where, verdict):
    a = assess(venue(wireless_shielding=False, phone_lockers=False), "secret", START, now=NOW, where=where)
    assert a.verdict == verdict and sorted(a.unmet) == ["V5", "V6"]
    assert all((f.severity == Severity.BLOCKER) == (where == "beijing") for f in a.findings if not f.met)


def test_the_region_is_set_in_the_rule_file(tmp_path):
    from planners.core.config import RULES_DIR
    from planners.venues import region

    assert region() == ""
    text = (RULES_DIR / "venues.yaml").read_text(encoding="utf-8").replace('region: ""', "region: beijing", 1)
    (tmp_path / "venues.yaml").write_text(text, encoding="utf-8")
    assert region(tmp_path) == "beijing"
    a = assess(venue(phone_lockers=False), "secret", START, now=NOW, rules_dir=tmp_path)
    assert a.verdict == "unsuitable" and a.unmet == ["V6"]
