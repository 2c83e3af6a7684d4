"""Outbound trips: vetting table-driven, bad input named by field, the leader queue (nobody approves their own,
core needs two leaders, an approved change goes back), the departure gate, the carry check against custody."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from planners import documents, people, trips
from planners.base import approvals
from planners.base.auth import Principal
from planners.core.clock import office_today
from planners.core.errors import SelfApprovalForbidden, TripBlocked, ValidationFailed
from planners.store.uow import read as read_session
from planners.store.uow import write_session
from planners.trips import vetting
from planners.visits.disclosure import ItemInput

TODAY = office_today()  # the office's date, as the trip records its dates (not the server's UTC one)
OFFICER = Principal(id=0, username="officer", display_name="officer", role="security_officer")


def _person(s, name, last4, **over):
    v = {"name": name, "unit": "市商务局", "id_last4": last4, "level": "secret", "vetted_level": "secret",
         "person_class": "general", "nationality": "CN"}
    v.update(over)
    return people.create(s, v, actor=OFFICER).id


def _input(pids, **over):
    start = TODAY + timedelta(days=10)
    base = dict(title="赴法国参展", destinations=["FR"], starts_on=start, ends_on=start + timedelta(days=5),
                travellers=[trips.TravellerInput(person_id=p) for p in pids],
                itinerary=[trips.Stop(day=start, place="巴黎", host="Comexposium")],
                scope=[ItemInput(topic="city_economy_public", decision="may_discuss", methods=("oral",))])
    base.update(over)
    return trips.TripInput(**base)


@pytest.fixture
def crew(users):
    with write_session() as s:
        return [_person(s, "甲", "1111"), _person(s, "乙", "2222")]


def _trip(users, pids, **over) -> int:
    with write_session() as s:
        return trips.create(s, _input(pids, **over), actor=users["organizer"]).id


P = lambda **kw: SimpleNamespace(**{"name": "甲", "level": "secret", "person_class": "general",
                                    "status": "active", "decommission_until": None, "barred": False, **kw})
S, E = TODAY + timedelta(days=10), TODAY + timedelta(days=15)


@pytest.mark.parametrize("person,pledge,rules", [
    (P(), True, {"TRV-APPROVAL"}),
    (P(), False, {"TRV-APPROVAL", "TRV-PLEDGE"}),
    (P(person_class="core"), True, {"TRV-APPROVAL", "TRV-CORE"}),
    (P(level="top_secret"), True, {"TRV-APPROVAL", "TRV-TOP-SECRET"}),
    (P(status="decommission", decommission_until=S + timedelta(days=1)), True, {"TRV-APPROVAL", "TRV-DECOMMISSION"}),
    (P(status="decommission", decommission_until=S - timedelta(days=1)), True, {"TRV-APPROVAL"}),
    (P(barred=True), True, {"TRV-APPROVAL", "TRV-BARRED"}),
    (P(status="left"), True, {"TRV-APPROVAL", "TRV-STATUS"}),
])
def test_vetting_gives_one_finding_per_rule_that_applies(person, pledge, rules):
    found = vetting.traveller_findings(person, pledge_ok=pledge, starts_on=S, ends_on=E)
    assert {f.rule for f in found} == rules
    assert all(f.source for f in found)
    blockers = {f.rule for f in vetting.blockers(found)}
    assert blockers == rules & {"TRV-BARRED", "TRV-STATUS"}


@pytest.mark.parametrize("over,field,key", [
    ({"destinations": ["XX"]}, "destinations", "trips.unknown_country"),
    ({"destinations": ["FR", "fr"]}, "destinations", "trips.country_twice"),
    ({"starts_on": TODAY - timedelta(days=1)}, "starts_on", "trips.past"),
    ({"ends_on": TODAY + timedelta(days=5)}, "ends_on", "trips.reversed"),
    ({"itinerary": [trips.Stop(day=TODAY + timedelta(days=40), place="里昂")]}, "itinerary", "trips.stop_day_outside"),
    ({"itinerary": [trips.Stop(day=TODAY + timedelta(days=11), place=" ")]}, "itinerary", "trips.stop_place_required"),
])
def test_bad_input_names_the_field_and_writes_nothing(users, crew, over, field, key):
    with pytest.raises(ValidationFailed) as e:
        _trip(users, crew, **over)
    assert e.value.field == field and e.value.key == key
    with read_session() as s:
        assert trips.all_trips(s) == []


def test_a_traveller_twice_is_refused(users, crew):
    with pytest.raises(ValidationFailed) as e:
        _trip(users, [crew[0], crew[0]])
    assert e.value.key == "trips.traveller_twice" and e.value.field == "travellers"


def test_leader_queue_nobody_approves_their_own_and_an_approved_change_goes_back(users, crew):
    tid = _trip(users, crew)
    with write_session() as s:
        trips.submit(s, tid, actor=users["organizer"])
        item = trips.pending_item(s, trips.get(s, tid))
        assert {f["rule"] for f in item.findings} >= {"TRV-APPROVAL", "TRV-PLEDGE"}
    with pytest.raises(SelfApprovalForbidden), write_session() as s:
        approvals.decide(s, item.id, "approved", leader=Principal(id=users["organizer"].id, username="organizer",
                                                                   display_name="", role="leader"))
    with write_session() as s:
        trips.decide(s, tid, "approved", leader=users["leader"])
        assert trips.get(s, tid).status == "approved"
    with write_session() as s:
        trips.update(s, tid, _input(crew, purpose="改了"), actor=users["organizer"])
        assert trips.get(s, tid).status == "submitted"


def test_a_core_traveller_needs_two_different_leaders(users):
    with write_session() as s:
        pid = _person(s, "丙", "3333", person_class="core")
    tid = _trip(users, [pid])
    with write_session() as s:
        trips.submit(s, tid, actor=users["organizer"])
        trips.decide(s, tid, "approved", leader=users["leader"])
        assert trips.get(s, tid).status == "submitted"
    with pytest.raises(SelfApprovalForbidden), write_session() as s:
        trips.decide(s, tid, "approved", leader=users["leader"])
    with write_session() as s:
        trips.decide(s, tid, "approved", leader=users["leader2"])
        assert trips.get(s, tid).status == "approved" and trips.get(s, tid).approved_by == ["leader", "leader2"]


def test_a_barred_traveller_blocks_the_approval(users, crew):
    tid = _trip(users, crew)
    with write_session() as s:
        trips.submit(s, tid, actor=users["organizer"])
    with write_session() as s:
        people.bar(s, crew[1], reason="审查未通过", ends_on=TODAY + timedelta(days=90), actor=users["leader2"])
    with pytest.raises(TripBlocked) as e, write_session() as s:
        trips.decide(s, tid, "approved", leader=users["leader"])
    assert "TRV-BARRED" in str(e.value)
    with read_session() as s:
        assert trips.get(s, tid).status == "submitted"


def _approved(users, pids) -> int:
    tid = _trip(users, pids)
    with write_session() as s:
        trips.submit(s, tid, actor=users["organizer"])
        trips.decide(s, tid, "approved", leader=users["leader"])
    return tid


def _brief(users, tid, pid, pledge=True):
    with write_session() as s:
        trips.record_attendance(s, tid, pid, briefed_on=TODAY, briefed_by="保密办", actor=users["organizer"])
        if pledge:
            trips.record_pledge(s, tid, pid, signed_on=TODAY, actor=OFFICER)


def test_the_trip_cannot_depart_until_every_traveller_is_briefed_and_has_signed(users, crew):
    tid = _approved(users, crew)
    _brief(users, tid, crew[0])
    _brief(users, tid, crew[1], pledge=False)
    with pytest.raises(TripBlocked) as e, write_session() as s:
        trips.depart(s, tid, actor=users["organizer"])
    assert "乙" in e.value.localized("zh_CN") and "DEP-GATE" in str(e.value)
    with write_session() as s:
        trips.record_pledge(s, tid, crew[1], signed_on=TODAY, actor=OFFICER)
    with write_session() as s:
        assert trips.depart(s, tid, actor=users["organizer"]).status == "departed"


def test_carry_check_against_custody_outstanding_abroad_then_back_after_debrief(demo, users):
    from planners.store.models_documents import Document
    from planners.trips.demo import _store_copy

    with write_session() as s:
        a, b = _person(s, "丁", "4444"), _person(s, "戊", "5555")
        secret = _store_copy(s, None, "secret")
        conf = _store_copy(s, None, "confidential")
        ev_id = s.get(Document, documents.parse_code(secret)[1]).event_id
    tid = _approved(users, [a, b])
    with write_session() as s:
        with pytest.raises(ValidationFailed) as e:
            trips.add_item(s, tid, person_id=a, kind="copy", copy_code="DOC-1-1-99", actor=users["organizer"])
        assert e.value.field == "copy_code" and e.value.key == "trips.carry_no_copy"
        dev = trips.add_item(s, tid, person_id=b, kind="laptop", label="涉密便携机", classified_device=True,
                             actor=users["organizer"])
        clean = trips.add_item(s, tid, person_id=b, kind="laptop", label="非涉密笔记本", actor=users["organizer"])
        ok = trips.add_item(s, tid, person_id=a, kind="copy", copy_code=secret, actor=users["organizer"])
        no = trips.add_item(s, tid, person_id=a, kind="copy", copy_code=conf, actor=users["organizer"])
        assert (dev.verdict, clean.verdict, ok.verdict, no.verdict) == ("refused", "clean_device", "pending",
                                                                        "pending")
        ok_id, no_id = ok.id, no.id
    with write_session() as s:
        for iid, d in ((ok_id, "approved"), (no_id, "rejected")):
            item = approvals.latest_for(s, "trip_carry", "trip_carry", iid)
            approvals.decide(s, item.id, d, leader=users["leader"], comment="意见")
    for p in (a, b):
        _brief(users, tid, p)
    with write_session() as s:
        trips.depart(s, tid, actor=users["organizer"])
    with read_session() as s:
        rec = documents.reconcile(s, ev_id)
        row = next(r for r in rec.outstanding if r.code == secret)
        assert row.state == "abroad" and row.holder_name == "丁"
        assert conf not in [r.code for r in rec.outstanding if r.state == "abroad"]
    with write_session() as s:
        trips.come_back(s, tid, actor=users["organizer"])
    with pytest.raises(TripBlocked) as e, write_session() as s:
        trips.record_debrief(s, tid, trips.DebriefInput(held_on=TODAY), actor=users["organizer"])
    assert "DEB-CARRIERS" in str(e.value)
    with write_session() as s:
        trips.bring_back(s, ok_id, custodian="保密室 周", actor=users["organizer"])
        trips.bring_back(s, clean.id, custodian="", actor=users["organizer"])
    with write_session() as s:
        trips.record_debrief(s, tid, trips.DebriefInput(held_on=TODAY, approaches=[
            trips.Approach(asked_by="某公司代表", what="园区土地储备数据", answer="未答复，表示转达")]),
            actor=users["organizer"])
    with read_session() as s:
        rec = documents.reconcile(s, ev_id)
        assert secret not in [r.code for r in rec.outstanding]
        assert next(r for r in rec.rows if r.code == secret).state == "secrecy_room"
        assert trips.get(s, tid).status == "debriefed"
        assert [i.kind for i in approvals.pending(s, kind="trip_info_request")] == ["trip_info_request"]


def test_a_debrief_before_the_return_is_refused_and_the_demo_debrief_is_overdue_on_home(demo, users):
    from planners.base import home
    from planners.store.models_trips import Trip

    with read_session() as s:
        past = s.query(Trip).filter(Trip.status == "back").one()
        red = [a for a in home.attention(s, users["leader"]) if a.page == "trips"]
        assert red and red[0].color == "red"
        org = [a for a in home.attention(s, users["organizer"]) if a.page == "trips"]
        assert org and org[0].color == "red"
        assert not [a for a in home.attention(s, users["front_desk"]) if a.page == "trips"]
        pid = past.id
        back = past.back_on
    with pytest.raises(ValidationFailed) as e, write_session() as s:
        trips.record_debrief(s, pid, trips.DebriefInput(held_on=back - timedelta(days=1)),
                             actor=users["admin"])
    assert e.value.field == "held_on" and e.value.key == "trips.debrief_before_return"


def test_cli_lists_shows_and_writes_the_briefing_refusing_an_unapproved_trip(demo, users, tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from planners.cli.main import main
    from tests.conftest import TEST_PASSWORD

    r = CliRunner().invoke(main, ["trips", "--json"])
    rows = json.loads(r.output)
    fair = next(x for x in rows if x["destinations"] == ["DE"])
    assert r.exit_code == 0 and fair["status"] == "approved"
    r = CliRunner().invoke(main, ["trips", "show", str(fair["id"]), "--json"])
    data = json.loads(r.output)
    assert data["may_depart"] is False and {x["name"] for x in data["travellers"] if not x["briefed_on"]} == {"王芳"}
    assert [c["verdict"] for c in data["carry"]] == ["clean_device", "refused"]
    assert CliRunner().invoke(main, ["trips", "show", "999", "--json"]).exit_code == 3
    monkeypatch.setenv("CONCLAVE_PASSWORD", TEST_PASSWORD)
    out = tmp_path / "b.pdf"
    r = CliRunner().invoke(main, ["trips", "briefing", str(fair["id"]), "--out", str(out), "--as", "organizer",
                                  "--lang", "en"])
    assert r.exit_code == 0, r.output
    import subprocess

    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "Pre-departure secrecy briefing" in text and "BRF-CARRY" in text and "王芳" in text
    with write_session() as s:
        tid = trips.create(s, _input([trips.travellers_of(s, fair["id"])[0].person_id]),
                           actor=users["organizer"]).id
    r = CliRunner().invoke(main, ["trips", "briefing", str(tid), "--out", str(tmp_path / "x.docx"), "--as",
                                  "organizer"])
    assert r.exit_code == 3 and not (tmp_path / "x.docx").exists()


def test_exports_read_back_through_pdf_and_docx_readers(demo, users):
    import io
    import subprocess
    import tempfile

    import docx

    from planners.store.models_trips import Trip
    from planners.trips import export

    with write_session() as s:
        fair = s.query(Trip).filter(Trip.destinations.isnot(None)).order_by(Trip.id).first()
        form = export.export(s, fair.id, "form", "docx", "zh_CN", actor=users["leader"])
        pdf = export.export(s, fair.id, "form", "pdf", "zh_CN", actor=users["leader"])
        cal = export.ics(s, fair.id, "en", actor=users["organizer"])
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(form)).paragraphs)
    cells = " ".join(c.text for t in docx.Document(io.BytesIO(form)).tables for r in t.rows for c in r.cells)
    assert "出国（境）审批表" in text and "TRV-APPROVAL" in cells and "王芳" in cells
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        ptext = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True).stdout
    assert "出国（境）审批表" in ptext and "德国" in ptext
    assert cal.count(b"BEGIN:VEVENT") == 3 and b"Debrief due" in cal


def test_a_destination_the_unit_flags_is_a_finding_with_its_reason(monkeypatch):
    from planners.trips import rules as trip_rules

    monkeypatch.setattr(trip_rules, "flagged", lambda: {"FR": "本单位重点提示"})
    found = vetting.destination_findings(["DE", "FR"])
    assert [f.rule for f in found] == ["TRV-FLAGGED"]
    assert "法国" in found[0].text("zh_CN") and "France" in found[0].text("en") and "本单位重点提示" in found[0].text("en")


def test_removing_a_pending_carrier_withdraws_its_approval_request(demo, users):
    from planners.trips.demo import _store_copy

    with write_session() as s:
        a = _person(s, "己", "6666")
        code = _store_copy(s, None, "secret")
    tid = _trip(users, [a])
    with write_session() as s:
        item = trips.add_item(s, tid, person_id=a, kind="copy", copy_code=code, actor=users["organizer"])
        iid = item.id
        assert approvals.latest_for(s, "trip_carry", "trip_carry", iid).status == "pending"
    with write_session() as s:
        trips.remove_item(s, iid, actor=users["organizer"])
    with read_session() as s:
        assert approvals.latest_for(s, "trip_carry", "trip_carry", iid).status == "withdrawn"
        assert trips.items_of(s, tid) == []
