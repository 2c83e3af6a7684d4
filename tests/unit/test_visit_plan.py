"""Issue 12: a foreign visit's before / during / after plan, its venue criteria, the key locations its route is checked
against, escorts from the unit's staff, the scope as a hard gate for `ready`, and the post-visit report (content
against the scope, PDF / Word, the leader's approval, the gate for `closed`)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from planners.base import approvals, events
from planners.base.home import attention
from planners.core.errors import (EscortForeign, EscortNotStaff, KeyLocationOnRoute, ReportAlreadyFiled,
                                  ReportTooEarly, SelfApprovalForbidden, ValidationFailed)
from planners.plan import PlanFacts, applicable_rules, tasks
from planners.store.models import Event
from planners.store.models_visits import KeyLocation, VisitRequest
from planners.store.uow import read as read_session, write_session
from planners.venues import assess_event
from planners.visits import disclosure, locations, report
from tests.helpers import pdf_text

START = datetime(2030, 5, 1, 1, 0)
VISIT_ALWAYS = ["VB2", "VB3", "VB4", "VB5", "VB6", "VB7", "VB8", "VB9", "VD1", "VD2", "VD3", "VD4", "VD5",
                "VA1", "VA2", "VA3"]


def vfacts(**kw):
    base = dict(level="internal", start=START, end=START + timedelta(hours=3), kind="foreign_visit",
                foreign_participants=True, device_policy="approved_only", visit_type="one_time")
    base.update(kw)
    return PlanFacts(**base)


CASES = [
    ("a one-time visit", vfacts(), VISIT_ALWAYS + ["VB1", "VB10"]),
    ("a recurring visit reviews its approval yearly", vfacts(visit_type="recurring"),
     VISIT_ALWAYS + ["VB1", "VB10", "VB12"]),
    ("a long-term visit needs a technology control plan", vfacts(visit_type="long_term"),
     VISIT_ALWAYS + ["VB1", "VB10", "VB11", "VB12"]),
    ("an unannounced visit is reported at once", vfacts(visit_type="unannounced"), VISIT_ALWAYS + ["VB1.1"]),
    ("a route through a key location adds its measures", vfacts(route_key_location=True),
     VISIT_ALWAYS + ["VB1", "VB10", "VB4.1"]),
    ("a meeting with foreigners keeps its own rule and none of the visit's",
     PlanFacts(level="internal", start=START, end=START + timedelta(hours=3), foreign_participants=True), ["F3"]),
]


@pytest.mark.parametrize("name,f,expected", CASES, ids=[c[0] for c in CASES])
def test_exactly_these_visit_rules_apply_by_type_and_route(name, f, expected):
    assert sorted(applicable_rules(f)) == sorted(expected)


def _bavaria(s) -> VisitRequest:
    return next(v for v in s.scalars(select(VisitRequest)) if (v.facts or {}).get("demo_key") == "bavaria-delegation")


def test_the_demo_visit_has_a_plan_in_three_phases_and_a_venue_verdict_with_criteria(demo):
    with read_session() as s:
        v = _bavaria(s)
        ts = tasks(s, v.event_id)
        ev = s.get(Event, v.event_id)
        a = assess_event(s, ev)
        refusals = locations.route_refusals(v)
        jetro = next(x for x in s.scalars(select(VisitRequest)) if x.facts.get("demo_key") == "jetro-delegation")
    assert {t.phase for t in ts} == {"before", "during", "after"}
    assert sum(t.mandatory for t in ts) >= 5
    assert {t.rule_id for t in ts if t.status == "done"} >= {"VB1", "VB2", "VB3", "VB5"}
    assert all(t.source.strip() for t in ts)
    assert {"VV1", "VV2", "VV3", "V13"} <= {f.rule for f in a.findings}
    assert all(p["escort_user"] for p in v.route)
    assert refusals and refusals[0]["rule"] == "VIS-KEYLOC" and refusals[0]["location"] == "市商务局机要室"
    assert jetro.status == "submitted"


def test_ready_is_refused_without_an_approved_scope_with_the_finding(demo, users):
    with write_session() as s:
        v = _bavaria(s)
        scope = disclosure.get_scope(s, v.id)
        scope.status = "returned"  # as if the leader had returned it
        ev = s.get(Event, v.event_id)
        ev.status = "planned"
        found = events.check_transition(s, ev, "ready")
        scope.status = "approved"
        after = events.check_transition(s, ev, "ready")
    assert "VIS-SCOPE" in {f.rule for f in found}
    assert next(f for f in found if f.rule == "VIS-SCOPE").source.startswith("F1")
    assert "VIS-SCOPE" not in {f.rule for f in after}


def test_a_stop_at_a_key_location_is_refused_with_the_rule_unless_a_leader_excepts_it(demo, users):
    with write_session() as s:
        v = _bavaria(s)
        loc = s.scalar(select(KeyLocation).where(KeyLocation.name == "市商务局机要室"))
        stops = locations.stops_of(v) + [locations.RouteStop(place="机要室", location_id=loc.id, escort="organizer")]
        with pytest.raises(KeyLocationOnRoute) as err:
            locations.set_route(s, v.id, stops, actor=users["organizer"])
        assert err.value.params["rule"] == "VIS-KEYLOC" and err.value.params["line"] == 3
        vid, loc_id = v.id, loc.id
    with write_session() as s:
        item = locations.request_exception(s, vid, loc_id, reason="领导陪同参观", actor=users["organizer"])
        with pytest.raises(SelfApprovalForbidden):
            approvals.decide(s, item.id, "approved", leader=users["organizer"].__class__(
                **{**users["organizer"].__dict__, "role": "leader"}))
    with write_session() as s:
        approvals.decide(s, item.id, "approved", leader=users["leader"])
    with write_session() as s:
        v = s.get(VisitRequest, vid)
        locations.set_route(s, vid, locations.stops_of(v) + [
            locations.RouteStop(place="机要室", location_id=loc_id, escort="organizer")], actor=users["organizer"])
    with read_session() as s:
        v = s.get(VisitRequest, vid)
        assert v.facts["route_key_location"] is True and len(v.route) == 3
        assert "VB4.1" in {t.rule_id for t in tasks(s, v.event_id)}


@pytest.mark.parametrize("escort,error", [("", EscortNotStaff), ("周杰", EscortNotStaff),
                                          ("Markus Weber", EscortForeign)])
def test_every_stop_needs_an_escort_from_the_unit_staff_never_a_visitor(demo, users, escort, error):
    with write_session() as s:
        v = _bavaria(s)
        with pytest.raises(error) as err:
            locations.set_route(s, v.id, [locations.RouteStop(place="会谈室", escort=escort)], actor=users["organizer"])
    assert err.value.field == "escort" and err.value.params["rule"] == "VIS-ESCORT"


def test_a_key_location_takes_effect_only_when_a_leader_approves_it(db_url, users):
    with write_session() as s:
        loc = locations.propose_location(s, locations.LocationInput(name="信息中心机房", level="secret",
                                                                    responsible="张三"), actor=users["organizer"])
        assert locations.locations(s) == []
        item = approvals.latest_for(s, locations.KIND, "key_location", loc.id)
        approvals.decide(s, item.id, "approved", leader=users["leader"])
        assert [x.name for x in locations.locations(s)] == ["信息中心机房"]
        with pytest.raises(ValidationFailed):
            locations.propose_location(s, locations.LocationInput(name="信息中心机房", responsible="x"),
                                       actor=users["organizer"])


def _report_input(s, v, **over) -> report.ReportInput:
    scope = disclosure.get_scope(s, v.id)
    outcomes = {i.topic_code: ("not_discussed" if i.decision == "must_not" else "within")
                for i in disclosure.scope_items(s, scope)}
    base = dict(outcomes=outcomes, materials=[report.Material(what="市情宣传册", topic="city_economy_public",
                                                              to_whom="Markus Weber"),
                                              report.Material(what="园区内部规划图", topic="industrial_park_plans")],
                gifts=[report.Gift(what="瓷盘", giver="Markus Weber", where_went="交局办公室登记保管")],
                incidents=["参观途中一名外宾拍照，已制止"], summary="会谈按口径进行。")
    base.update(over)
    return report.ReportInput(**base)


def test_the_report_lists_every_approved_topic_with_its_outcome_and_checks_materials(demo, users):
    with write_session() as s:
        v = _bavaria(s)
        with pytest.raises(ReportTooEarly):
            report.file_report(s, v.id, _report_input(s, v), actor=users["organizer"])
        after = v.ends_at + timedelta(hours=1)
        data = _report_input(s, v)
        data.outcomes.pop("investment_policy")
        with pytest.raises(ValidationFailed, match="投资|Investment"):
            report.file_report(s, v.id, data, actor=users["organizer"], now=after)
        data = _report_input(s, v)
        data.outcomes["trade_negotiation_position"] = "within"
        with pytest.raises(ValidationFailed):  # a must-not topic discussed was above the scope
            report.file_report(s, v.id, data, actor=users["organizer"], now=after)
        rep = report.file_report(s, v.id, _report_input(s, v, extra_topics=["port_logistics"]),
                                 actor=users["organizer"], now=after)
        scope_codes = {i.topic_code for i in disclosure.scope_items(s, disclosure.get_scope(s, v.id))}
        with pytest.raises(ReportAlreadyFiled):
            report.file_report(s, v.id, _report_input(s, v), actor=users["organizer"], now=after)
        content, rep_id = rep.content, rep.id
    by_code = {x["code"]: x["outcome"] for x in content["topics"]}
    assert scope_codes <= set(by_code) and by_code["port_logistics"] == "above"
    assert [m["within"] for m in content["materials"]] == [True, False]  # park plans: oral and visual only
    with read_session() as s:
        item = approvals.latest_for(s, report.KIND, "visit_report", rep_id)
        assert {f["rule"] for f in item.findings} == {"VIS-ABOVE-SCOPE", "VIS-MATERIAL"}
        fa_items = attention(s, users["foreign_affairs"])
    assert any("总结" in a.text["zh_CN"] for a in fa_items)


def test_a_visit_event_closes_only_after_the_leader_approved_its_report(demo, users):
    with write_session() as s:
        v = _bavaria(s)
        ev = s.get(Event, v.event_id)
        ev.status = "in_progress"
        assert "VIS-REPORT" in {f.rule for f in events.check_transition(s, ev, "closed")}
        rep = report.file_report(s, v.id, _report_input(s, v), actor=users["organizer"],
                                 now=v.ends_at + timedelta(minutes=5))
        assert "VIS-REPORT" in {f.rule for f in events.check_transition(s, ev, "closed")}
        item = approvals.latest_for(s, report.KIND, "visit_report", rep.id)
        approvals.decide(s, item.id, "approved", leader=users["leader"], comment="同意")
        assert "VIS-REPORT" not in {f.rule for f in events.check_transition(s, ev, "closed")}
        assert next(t for t in tasks(s, ev.id) if t.rule_id == "VA3").status == "done"


@pytest.mark.parametrize("lang,words", [("zh_CN", ["外事接待总结", "超出范围", "瓷盘", "已制止"]),
                                        ("en", ["Post-visit report", "Above the scope", "Within the scope"])])
def test_the_report_exports_as_pdf_and_word_in_both_languages(demo, users, lang, words):
    from docx import Document

    with write_session() as s:
        v = _bavaria(s)
        report.file_report(s, v.id, _report_input(s, v, extra_topics=["port_logistics"]), actor=users["organizer"],
                           now=v.ends_at + timedelta(hours=1))
        pdf = report.export(s, v.id, "pdf", lang, actor=users["foreign_affairs"])
        docx = report.export(s, v.id, "docx", lang, actor=users["leader"])
    text = pdf_text(pdf)
    doc = Document(io.BytesIO(docx))
    dtext = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    for w in words:
        assert w in text.replace("\n", "") or w in text, w
        assert w in dtext, w


def test_the_cli_builds_and_exports_the_visit_plan_lists_key_locations_and_writes_the_report(demo, users, tmp_path):
    import csv
    import json

    from click.testing import CliRunner

    from planners.cli.main import main
    from tests.conftest import TEST_PASSWORD

    run = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke
    ev = str(demo.events["bavaria-delegation"].id)
    r = run(main, ["plan", "build", ev, "--as", "organizer"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "plan.csv"
    r = run(main, ["export", ev, "--format", "csv", "--out", str(out), "--as", "admin"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert {"VB2", "VD3", "VA3"} <= {x["规则"] for x in rows}  # the CLI's default language (issue 16)
    r = run(main, ["locations", "--json"])
    assert r.exit_code == 0 and "市商务局机要室" in {x["name"] for x in json.loads(r.output)}
    r = run(main, ["visits", "report", ev, "--out", str(tmp_path / "r.pdf"), "--as", "admin"])
    assert r.exit_code == 3 and "No report" in r.output  # none filed yet
    with write_session() as s:
        v = _bavaria(s)
        report.file_report(s, v.id, _report_input(s, v), actor=users["organizer"], now=v.ends_at + timedelta(hours=1))
    r = run(main, ["visits", "report", ev, "--out", str(tmp_path / "r.docx"), "--lang", "en", "--as", "leader"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "r.docx").stat().st_size > 1000


# ---------------------------------------------------------------- issue 12, second engineer

def test_a_new_route_of_an_approved_visit_goes_back_to_the_leader_with_what_changed(demo, users):
    from planners.visits import requests as visits

    with write_session() as s:
        v = _bavaria(s)
        assert v.status == "approved"
        old = approvals.latest_for(s, visits.KIND, "visit", v.id)
        first = v.route[0]["place"]
        stops = locations.stops_of(v)[1:] + [locations.RouteStop(place="贵宾休息室", host="办公室", escort="organizer")]
        locations.set_route(s, v.id, stops, actor=users["organizer"])
        vid, old_id = v.id, old.id
    with read_session() as s:
        v = s.get(VisitRequest, vid)
        assert v.status == "submitted"
        assert s.get(type(old), old_id).status == "superseded"
        item = visits.pending_item(s, v)
        assert item is not None and item.id != old_id
        change = item.payload["route_change"]
        assert "贵宾休息室" in change and first in change and "Stops added" in change and "删除停留点" in change
    with write_session() as s:  # the same route again is no change and queues nothing new
        v = s.get(VisitRequest, vid)
        locations.set_route(s, vid, locations.stops_of(v), actor=users["organizer"])
        assert len([a for a in approvals.for_object(s, "visit", vid) if a.status == "pending"]) == 1
    with write_session() as s:
        visits.decide(s, vid, "approved", leader=users["leader"])
    with read_session() as s:
        assert s.get(VisitRequest, vid).status == "approved"


def test_deviations_and_handovers_during_the_visit_are_checked_and_feed_the_report(demo, users):
    from planners.core.clock import local
    from planners.core.errors import MaterialAboveScope
    from planners.store.models import Attendee
    from planners.store.models_checkin import Attendance
    from planners.visits import during

    with write_session() as s:
        v = _bavaria(s)
        org, now = users["organizer"], v.starts_at + timedelta(hours=1)
        at = local(v.starts_at + timedelta(minutes=30), v.tz).replace(tzinfo=None)
        with pytest.raises(ValidationFailed) as err:
            during.log_deviation(s, v.id, during.DeviationInput(where="三楼走廊", noticed_by="", action="劝回"),
                                 actor=org, now=now)
        assert err.value.field == "noticed_by"
        with pytest.raises(ValidationFailed) as err:
            during.log_deviation(s, v.id, during.DeviationInput(where="三楼走廊", noticed_by="陪同人员", action="劝回",
                                                                when=at + timedelta(days=3)), actor=org, now=now)
        assert err.value.field == "when"
        row = during.log_deviation(s, v.id, during.DeviationInput(where="三楼走廊", noticed_by="陪同人员王某",
                                                                  action="劝回原路线", when=at), actor=org, now=now)
        assert row["n"] == 1 and row["at"].startswith((v.starts_at + timedelta(minutes=30)).isoformat()[:16])
        ok = during.record_handover(s, v.id, during.HandoverInput(what="市情宣传册", topic="city_economy_public",
                                                                  to_whom="Markus Weber"), actor=org, now=now)
        assert ok["n"] == 1
        for topic, level, why in [("industrial_park_plans", "public", "no_documents"),
                                  ("trade_negotiation_position", "public", "must_not"),
                                  ("port_logistics", "public", "not_in_scope"),
                                  ("city_economy_public", "top_secret", "above_ceiling")]:
            with pytest.raises(MaterialAboveScope) as err:
                during.record_handover(s, v.id, during.HandoverInput(what="资料", topic=topic, level=level,
                                                                     to_whom="Markus Weber"), actor=org, now=now)
            assert err.value.key == f"vduring.error_material_{why}" and err.value.params["rule"] == "VIS-MATERIAL"
        with pytest.raises(Exception):
            during.record_handover(s, v.id, during.HandoverInput(what="x", topic="city_economy_public",
                                                                 to_whom="y"), actor=users["leader"], now=now)
        first = s.scalar(select(Attendee).where(Attendee.event_id == v.event_id, Attendee.event_role == "visitor")
                         .order_by(Attendee.id))
        s.add(Attendance(event_id=v.event_id, attendee_id=first.id, last_in_desk="正门"))
        s.flush()
        rep = report.file_report(s, v.id, _report_input(s, v), actor=org, now=v.ends_at + timedelta(hours=1))
        content, total = rep.content, len(v.members)
    assert [m["what"] for m in content["materials"]] == ["市情宣传册", "市情宣传册", "园区内部规划图"]
    assert content["materials"][0]["recorded"] is True
    assert content["deviations"][0]["where"] == "三楼走廊" and content["deviations"][0]["action"] == "劝回原路线"
    assert content["members_source"] == "desk" and [m[0] for m in content["members"]] == [first.name]
    assert total > 1
    text = pdf_text(report.render(content, "pdf", "zh_CN"))
    assert "偏离路线情况" in text and "三楼走廊" in text and f"{total}人中1人" in text
    assert "checked in at the desk (1 of" in pdf_text(report.render(content, "pdf", "en"))


def test_who_came_is_the_delegation_list_when_the_desk_was_not_used(demo, users):
    with write_session() as s:
        v = _bavaria(s)
        rep = report.file_report(s, v.id, _report_input(s, v), actor=users["organizer"],
                                 now=v.ends_at + timedelta(hours=1))
        assert rep.content["members_source"] == "list" and len(rep.content["members"]) == len(v.members)
    assert "未使用前台签到" in pdf_text(report.render(rep.content, "pdf", "zh_CN"))


def test_the_form_tables_are_checked_cell_by_cell_naming_the_row_and_the_column():
    from planners.core.errors import CellInvalid
    from planners.visits import requests as visits

    rows = [{"name": "Jan de Vries", "nationality": "NL", "passport_type": "official", "passport_last4": "4455"},
            {"name": None, "nationality": None},  # an empty row the editor leaves: skipped
            {"name": "Anna", "nationality": "", "passport_type": "ordinary"}]
    with pytest.raises(CellInvalid) as err:
        visits.members_from_rows(rows)
    assert err.value.params["line"] == 2 and err.value.localized("zh_CN") == "第2行“国籍（ISO代码）”栏：请填写。"
    rows[2]["nationality"], rows[2]["passport_last4"] = "DE", "C01234567"
    with pytest.raises(CellInvalid) as err:
        visits.members_from_rows(rows)
    assert "Row 2, column “Passport, last 4”" in err.value.localized("en")
    rows[2]["passport_last4"] = "4567"
    assert [m.name for m in visits.members_from_rows(rows)] == ["Jan de Vries", "Anna"]
    with pytest.raises(CellInvalid) as err:
        visits.route_from_rows([{"place": "一号会议室", "escort": "organizer"}, {"place": "展厅", "host": "王"}])
    assert "Row 2, column “Escort (staff)”" in err.value.localized("en")
    [stop] = visits.route_from_rows([{"place": "展厅", "location_id": 3.0, "host": "王", "escort": "organizer"}])
    assert (stop.location_id, stop.escort) == (3, "organizer")
