"""Documents: register, issue refusals (table-driven), ledger replay, reconciliation, destruction, loss."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from planners.base import approvals, events, home
from planners import documents as docs
from planners.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from planners.core.levels import Classification
from planners.store.uow import read as read_session, write_session
from planners.store.models import Attendee, AuditEntry
from planners.store.models_documents import CustodyEntry, Document, LossIncident
from tests.helpers import pdf_text

CONF = "商密〔2026〕041"   # 机密, 12 copies, scope: units
SECRET = "商密〔2026〕042"  # 秘密, 6 copies, scope: 对外贸易处, 海关, 财政局


@pytest.fixture
def q4(demo):
    return demo.events["q4-trade-meeting"]


@pytest.fixture
def org(users):
    return users["organizer"]


def doc_id(event_id: int, control: str) -> int:
    with read_session() as s:
        return s.scalar(select(Document.id).where(Document.event_id == event_id, Document.control_no == control))


def code(event_id: int, control: str, n: int) -> str:
    return docs.copy_code(event_id, doc_id(event_id, control), n)


def person(event_id: int, name: str) -> int:
    with read_session() as s:
        return s.scalar(select(Attendee.id).where(Attendee.event_id == event_id, Attendee.name == name))


def issue(ev, control, n, name, actor, **kw):
    with write_session() as s:
        return docs.issue_copy(s, ev.id, code(ev.id, control, n), person(ev.id, name), actor=actor, **kw)


def recover(ev, control, n, actor, name=None):
    with write_session() as s:
        return docs.recover_copy(s, ev.id, code(ev.id, control, n),
                                 person(ev.id, name) if name else None, actor=actor)


def counts() -> tuple[int, int]:
    with read_session() as s:
        return (s.scalar(select(func.count()).select_from(CustodyEntry)),
                s.scalar(select(func.count()).select_from(AuditEntry)))


# ------------------------------------------------------------------ register

def test_demo_registers_numbered_copies_with_marking(q4):
    with read_session() as s:
        rec = docs.reconcile(s, q4.id)
        d = s.get(Document, doc_id(q4.id, CONF))
        assert docs.doc_marking(d) == "机密★10年"
    conf = [r for r in rec.rows if r.control_no == CONF]
    assert [r.number for r in conf] == list(range(1, 13))
    assert docs.copy_label(3, 12) == "第 3 份 / 共 12 份"
    assert all(r.state == "in_store" for r in rec.rows) and len(rec.rows) == 18


def test_loading_the_demo_twice_changes_nothing(q4, db_url):
    from planners.base import demo as demo_mod

    before = counts()
    with write_session() as s:
        demo_mod.load(s)
    assert counts() == before


def _input(**kw):
    base = dict(control_no="T-1", short_title="测试材料", carrier="paper", level="confidential",
                retention_kind="period", retention="20年", proposed_by="甲", approved_by="乙", basis="第1条",
                scope=["市海关"], classified_on=date(2026, 11, 1), copies=3)
    base.update(kw)
    return docs.DocumentInput(**base)


@pytest.mark.parametrize("level,kind,value,ok", [
    ("confidential", "period", "20年", True),
    ("confidential", "period", "21年", False),
    ("top_secret", "period", "30年", True),
    ("top_secret", "period", "31年", False),
    ("secret", "period", "10年", True),
    ("secret", "period", "11年", False),
    ("secret", "period", "121个月", False),
    ("secret", "date", "2036-11-01", True),
    ("secret", "date", "2036-11-02", False),
    ("confidential", "condition", "会议结束后解密", True),
])
def test_retention_is_never_longer_than_the_legal_maximum(level, kind, value, ok):
    if ok:
        docs.check_retention(level, kind, value, date(2026, 11, 1))
    else:
        with pytest.raises(docs.RetentionBeyondMaximum):
            docs.check_retention(level, kind, value, date(2026, 11, 1))


def test_rule_file_maximums_match_the_levels():
    params = docs.rules()["retention_beyond_maximum"]["params"]
    assert {lv: Classification(lv).max_retention_years for lv in params} == params
    assert docs.rules()["loss_report"]["params"]["hours"] == 24
    assert all(r["source"] for r in docs.rules().values())


def test_registering_a_retention_beyond_the_maximum_changes_nothing(q4, org):
    before = counts()
    with pytest.raises(docs.RetentionBeyondMaximum):
        with write_session() as s:
            docs.register_document(s, q4.id, _input(retention="25年"), actor=org)
    assert counts() == before


@pytest.mark.parametrize("change,field", [
    ({"approved_by": "甲"}, "approved_by"),          # 定密责任人 = handler
    ({"scope": []}, "scope"),
    ({"basis": ""}, "basis"),
    ({"control_no": CONF}, "control_no"),             # control number unique per event
    ({"level": "top_secret", "retention": "10年"}, "level"),  # above the meeting's 机密
    ({"carrier": "stone"}, "carrier"),
    ({"copies": 0}, "copies"),
])
def test_bad_register_entries_are_refused_with_the_field(q4, org, change, field):
    with pytest.raises(ValidationFailed) as err:
        with write_session() as s:
            docs.register_document(s, q4.id, _input(**change), actor=org)
    assert err.value.field == field


def test_only_the_events_organizer_registers_documents(q4, users):
    for role in ("front_desk", "leader"):
        with pytest.raises(PermissionDenied):
            with write_session() as s:
                docs.register_document(s, q4.id, _input(), actor=users[role])


# ------------------------------------------------------------------ issue refusals (table-driven)

def _presence(inside: bool):
    """The front desk's `attendee_present` answer, replaced for one test."""
    return [lambda session, event_id, attendee_id: inside]


REFUSALS = [
    # (case, control, copy, receiver, presence, expected code)
    ("clearance_below_level", CONF, 1, "钱小明", None, "clearance_below_level"),
    ("foreign_national", CONF, 1, "Anna Schmidt", None, "foreign_receiver"),
    ("foreign_invested_staff", CONF, 1, "孔德华", None, "foreign_receiver"),
    ("outside_scope", SECRET, 1, "陈敏", None, "outside_scope"),
    ("not_checked_in", CONF, 1, "梁静", False, "not_checked_in"),
]


@pytest.mark.parametrize("case,control,n,name,presence,code_", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_ineligible_receiver_is_refused_with_reason_and_nothing_changes(q4, org, replace_hook, case, control, n,
                                                                       name, presence, code_):
    if presence is not None:
        replace_hook("attendee_present", _presence(presence))
    before = counts()
    with pytest.raises(docs.IssueRefused) as err:
        issue(q4, control, n, name, org)
    assert code_ in err.value.codes
    f = next(f for f in err.value.findings if f.data["code"] == code_)
    assert f.source and f.text("en") and f.text("zh_CN")
    assert counts() == before


def test_present_receiver_passes_the_presence_check(q4, org, replace_hook):
    replace_hook("attendee_present", _presence(True))
    assert issue(q4, CONF, 1, "梁静", org).action == "issued"


def test_copy_already_issued_is_refused(q4, org):
    issue(q4, CONF, 2, "梁静", org)
    before = counts()
    with pytest.raises(docs.IssueRefused) as err:
        issue(q4, CONF, 2, "赵艳", org)
    assert err.value.codes == ["copy_already_issued"] and counts() == before


def test_label_scanned_at_the_wrong_event_is_refused(demo, org):
    q4, other = demo.events["q4-trade-meeting"], demo.events["bavaria-delegation"]
    wrong = code(q4.id, CONF, 1)
    with pytest.raises(docs.IssueRefused) as err:
        with write_session() as s:
            docs.issue_copy(s, other.id, wrong, person(other.id, "周杰"), actor=org)
    assert err.value.codes == ["wrong_event"]


def test_return_by_someone_who_does_not_hold_it_is_refused(q4, org):
    issue(q4, CONF, 3, "梁静", org)
    before = counts()
    with pytest.raises(docs.RecoveryRefused) as err:
        recover(q4, CONF, 3, org, name="赵艳")
    assert err.value.codes == ["not_holder"] and counts() == before
    assert recover(q4, CONF, 3, org, name="梁静").action == "recovered"


def test_second_recovery_is_told_already_recovered(q4, org):
    issue(q4, CONF, 4, "梁静", org)
    recover(q4, CONF, 4, org)
    with pytest.raises(docs.CopyAlreadyRecovered):
        recover(q4, CONF, 4, org)


def test_unreadable_code_is_refused(q4, org):
    with pytest.raises(docs.CopyCodeUnreadable):
        with write_session() as s:
            docs.issue_copy(s, q4.id, "not a code", person(q4.id, "梁静"), actor=org)


def test_front_desk_issues_only_on_running_events(q4, users, org):
    with pytest.raises(PermissionDenied):
        issue(q4, CONF, 1, "梁静", users["front_desk"])
    with write_session() as s:
        events.transition(s, q4.id, "planned", actor=org)
    assert issue(q4, CONF, 1, "梁静", users["front_desk"], desk="东门").desk == "东门"


# ------------------------------------------------------------------ ledger replay and reconciliation

def test_ledger_replay_gives_the_same_holders_as_the_live_state(q4, org):
    rnd = random.Random(5)
    eligible = ["梁静", "赵艳", "张娜", "杨华", "唐芳", "吕强"]
    expected: dict[int, tuple[str, str]] = {}  # copy number -> (state, holder) as the operations said
    for _ in range(60):
        n = rnd.randint(1, 12)
        state, holder = expected.get(n, ("in_store", ""))
        if state in ("in_store", "recovered"):
            e = issue(q4, CONF, n, rnd.choice(eligible), org)
            expected[n] = ("issued", e.holder_name)
        elif rnd.random() < 0.3:
            to = rnd.choice([x for x in eligible if x != holder])
            with write_session() as s:
                e = docs.transfer_copy(s, q4.id, code(q4.id, CONF, n), person(q4.id, to), actor=org)
            expected[n] = ("issued", e.holder_name)
        else:
            recover(q4, CONF, n, org)
            expected[n] = ("recovered", "")
    with read_session() as s:
        rec = docs.reconcile(s, q4.id)
        rows = {r.number: r for r in rec.rows if r.control_no == CONF}
        entries = s.scalars(select(CustodyEntry).where(CustodyEntry.event_id == q4.id)).all()
        replayed = docs.replay(list(reversed(entries)))  # order of reading does not matter
        for n, (state, holder) in expected.items():
            assert (rows[n].state, rows[n].holder_name) == (state, holder)
            assert (replayed[rows[n].copy_id].state, replayed[rows[n].copy_id].holder_name) == (state, holder)
            assert docs.copy_state(s, rows[n].copy_id).state == state
        for name in eligible:
            held = {r.number for r in docs.copies_held_by(s, q4.id, person(q4.id, name))}
            assert held == {n for n, (st, h) in expected.items() if st == "issued" and h == name}


def _full_cycle(q4, org, skip: int | None = None):
    names = ["梁静", "吕强", "张娜", "郭超", "杨华", "郑刚"]  # in the scope of both demo documents
    with read_session() as s:
        rows = docs.reconcile(s, q4.id).rows
    for i, r in enumerate(rows):
        with write_session() as s:
            docs.issue_copy(s, q4.id, r.code, person(q4.id, names[i % len(names)]), actor=org)
    for i, r in enumerate(rows):
        if i != skip:
            with write_session() as s:
                docs.recover_copy(s, q4.id, r.code, actor=org)
    with read_session() as s:
        return docs.reconcile(s, q4.id)


def test_demo_meeting_reconciles_clean_after_full_issue_and_recovery(q4, org):
    rec = _full_cycle(q4, org)
    assert rec.clean and rec.counts["recovered"] == 18 and not rec.outstanding


def test_demo_meeting_with_one_copy_missing_does_not_reconcile(q4, org):
    rec = _full_cycle(q4, org, skip=7)
    assert not rec.clean and len(rec.outstanding) == 1
    assert rec.outstanding[0].holder_name == "吕强"


def _close(ev, org):
    """Run the event to its end: the plan's mandatory before-tasks done (the plan gates 'ready'), then close."""
    from sqlalchemy import select

    from planners import plan as timeline
    from planners.base import approvals, auth
    from planners.plan import signoff
    from planners.store.models import User

    with write_session() as s:
        for t in timeline.tasks(s, ev.id):
            if t.phase == "before" and t.mandatory and t.status != "done" and t.rule_id not in signoff.DERIVED_RULES:
                timeline.mark_task(s, t.id, "done", actor=org)
    with write_session() as s:  # issue 11: a leader approves the current plan and list (B1.2, B6.x follow)
        leader = auth.principal(s.scalar(select(User).where(User.role == "leader").order_by(User.id)))
        e = events.get_event(s, ev.id)
        for kind in signoff.KINDS:
            if not signoff.state(s, e, kind)["approved_current"]:
                waiting = [a for a in approvals.pending(s) if a.event_id == ev.id and a.kind == kind]
                item = waiting[0] if waiting else signoff.submit(s, ev.id, kind, actor=org)
                approvals.decide(s, item.id, "approved", leader=leader, comment="")
    with write_session() as s:
        for target in ("planned", "ready", "in_progress", "closed"):
            if events.get_event(s, ev.id).status != target:
                events.transition(s, ev.id, target, actor=org)


def test_event_cannot_close_while_a_copy_is_outstanding_unless_declared_lost(q4, org):
    issue(q4, CONF, 5, "唐芳", org)
    with pytest.raises(events.EventNotReady) as err:
        _close(q4, org)
    assert [f.rule for f in err.value.findings] == ["DOC-CLOSE"] and "唐芳" in err.value.findings[0].text("zh_CN")
    with write_session() as s:
        inc = docs.declare_lost(s, q4.id, code(q4.id, CONF, 5), actor=org, what="纸质文件一份")
    assert inc.deadline_at - inc.declared_at == timedelta(hours=24) and inc.holder_name == "唐芳"
    _close(q4, org)
    with read_session() as s:
        assert events.get_event(s, q4.id).status == "closed"
        assert not docs.reconcile(s, q4.id).clean


def test_secrecy_room_and_lost_copies_are_not_outstanding(q4, org):
    issue(q4, CONF, 6, "吕强", org)
    with write_session() as s:
        docs.send_to_secrecy_room(s, q4.id, code(q4.id, CONF, 6), actor=org, custodian="保密室 赵敏")
    with read_session() as s:
        rec = docs.reconcile(s, q4.id)
    assert rec.counts["secrecy_room"] == 1 and not rec.outstanding
    with pytest.raises(docs.IssueRefused) as err:
        issue(q4, CONF, 6, "吕强", org)
    assert err.value.codes == ["copy_not_available"]


def test_custody_ledger_refuses_update_and_delete(q4, org):
    from sqlalchemy import text
    from planners.core.errors import StoreFailed

    issue(q4, CONF, 1, "梁静", org)
    for stmt in ("UPDATE custody_entries SET attendee_id = NULL", "DELETE FROM custody_entries"):
        with pytest.raises(StoreFailed, match="append-only"):
            with write_session() as s:
                s.execute(text(stmt))


# ------------------------------------------------------------------ copying, destruction, loss

def test_copying_needs_approval_and_new_copies_follow_the_originals(q4, users, org):
    d = doc_id(q4.id, SECRET)
    with write_session() as s:
        item = docs.request_copies(s, d, 2, reason="增加列席人员", actor=org)
        item_id = item.id
    with read_session() as s:
        assert len(docs.copies_of(s, d)) == 6
    with write_session() as s:
        approvals.decide(s, item_id, "approved", leader=users["leader"])
    with read_session() as s:
        copies = docs.copies_of(s, d)
        rec = docs.reconcile(s, q4.id)
    assert [c.number for c in copies] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [c.origin for c in copies[-2:]] == ["copy", "copy"]
    assert {r.total for r in rec.rows if r.document_id == d} == {8}


def test_destruction_needs_two_different_witnesses_approval_and_prints(q4, users, org):
    codes = [code(q4.id, SECRET, n) for n in (1, 2)]
    for w1, w2 in [("张三", "张三"), ("organizer", "李四"), ("", "李四")]:
        with pytest.raises(ValidationFailed):
            with write_session() as s:
                docs.request_destruction(s, q4.id, codes, method="shredding", witness1=w1, witness2=w2,
                                         actor=org)
    with write_session() as s:
        d = docs.request_destruction(s, q4.id, codes, method="shredding", witness1="张三", witness2="李四",
                                     reason="会后多余份", actor=org)
        did = d.id
        item = approvals.latest_for(s, "document_destruction", "destruction", did)
        item_id = item.id
    with pytest.raises(InvalidTransition):
        with write_session() as s:
            docs.carry_out_destruction(s, did, actor=org)
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            approvals.decide(s, item_id, "approved", leader=org)
    with write_session() as s:
        approvals.decide(s, item_id, "approved", leader=users["leader"])
    with write_session() as s:
        docs.carry_out_destruction(s, did, actor=org)
    with read_session() as s:
        rec = docs.reconcile(s, q4.id)
        text = pdf_text(docs.destruction_pdf(s, did, lang="zh_CN"))
    assert rec.counts["destroyed"] == 2
    flat = "".join(text.split())
    assert "张三" in flat and "李四" in flat and "粉碎" in flat and "第1份/共6份" in flat and "实施条例art.28" in flat


def test_an_issued_copy_cannot_be_put_up_for_destruction(q4, org):
    issue(q4, CONF, 7, "梁静", org)
    with pytest.raises(docs.RecoveryRefused) as err:
        with write_session() as s:
            docs.request_destruction(s, q4.id, [code(q4.id, CONF, 7)], method="shredding", witness1="张三",
                                     witness2="李四", actor=org)
    assert err.value.codes == ["copy_not_available"]


def test_overdue_loss_report_shows_red_for_organizer_and_leader_not_front_desk(q4, users, org):
    issue(q4, CONF, 8, "张娜", org)
    with write_session() as s:
        inc = docs.declare_lost(s, q4.id, code(q4.id, CONF, 8), actor=org)
        inc_id = inc.id
    with read_session() as s:
        colors = {a.color for a in home.attention(s, org) if a.page == "documents"}
    assert colors == {"orange"}
    with write_session() as s:
        s.get(LossIncident, inc_id).deadline_at = inc.declared_at - timedelta(minutes=1)
    with read_session() as s:
        for who in ("organizer", "leader"):
            items = [a for a in home.attention(s, users[who]) if a.page == "documents"]
            assert [a.color for a in items] == ["red"], who
        assert not [a for a in home.attention(s, users["front_desk"]) if a.page == "documents"]


def test_loss_report_is_complete_before_it_is_marked_sent_and_prints(q4, org):
    issue(q4, CONF, 9, "杨华", org)
    with write_session() as s:
        inc_id = docs.declare_lost(s, q4.id, code(q4.id, CONF, 9), actor=org).id
    with pytest.raises(ValidationFailed):
        with write_session() as s:
            docs.update_incident(s, inc_id, docs.IncidentReport(what="纸质文件一份", mark_reported=True), actor=org)
    report = docs.IncidentReport(what="纸质文件一份", when_text="会间休息 10:20", where="第一会议室",
                                 measures="封闭会场，逐一询问", reported_to="市国家保密局；市商务局", mark_reported=True)
    with write_session() as s:
        docs.update_incident(s, inc_id, report, actor=org)
    with read_session() as s:
        text = pdf_text(docs.incident_pdf(s, inc_id, lang="zh_CN"))
        assert not [a for a in home.attention(s, org) if a.page == "documents"]
    assert "杨华" in text and "第一会议室" in text and "第 9 份 / 共 12 份" in text and "24" in text


def test_label_sheet_names_each_copy_and_its_qr_decodes_to_the_copy_code(q4):
    import zxingcpp

    d = doc_id(q4.id, CONF)
    with read_session() as s:
        data = docs.label_sheet_pdf(s, d, lang="zh_CN")
    text = pdf_text(data)
    assert "第 3 份 / 共 12 份" in text and "机密★10年" in text and docs.copy_code(q4.id, d, 12) in text
    img = docs._qr_image(docs.copy_code(q4.id, d, 3))
    assert zxingcpp.read_barcodes(img)[0].text == docs.copy_code(q4.id, d, 3)
    assert docs.parse_code(docs.copy_code(q4.id, d, 3)) == (q4.id, d, 3)


def test_reconcile_cli_exits_3_when_a_copy_is_outstanding(q4, org):
    import json

    from click.testing import CliRunner

    from planners.cli import main

    r = CliRunner().invoke(main, ["documents", "reconcile", str(q4.id), "--json"])
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.output)["copies"]) == 18
    issue(q4, CONF, 10, "吕强", org)
    r = CliRunner().invoke(main, ["documents", "reconcile", str(q4.id), "--json"])
    out = json.loads(r.output)
    assert r.exit_code == 3 and out["outstanding"] == 1
    assert [c["holder"] for c in out["copies"] if c["state"] == "issued"] == ["吕强"]


def test_scripted_desk_issues_and_recovers_through_the_cli(q4, org):
    from click.testing import CliRunner

    from planners.cli import main
    from tests.conftest import TEST_PASSWORD

    c = code(q4.id, CONF, 11)
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["documents", "issue", str(q4.id), c, str(person(q4.id, "钱小明")), "--as", "organizer"])
    assert r.exit_code == 3 and "clearance" in r.output
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["documents", "issue", str(q4.id), c, str(person(q4.id, "梁静")), "--as", "organizer",
                                  "--desk", "东门", "--ack", "本人签收"])
    assert r.exit_code == 0 and "梁静" in r.output
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["documents", "recover", str(q4.id), c, "--as", "organizer"])
    assert r.exit_code == 0
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["documents", "recover", str(q4.id), c, "--as", "organizer"])
    assert r.exit_code == 3 and "already recovered" in r.output
    with read_session() as s:
        entries = s.scalars(select(CustodyEntry).where(CustodyEntry.event_id == q4.id)
                            .order_by(CustodyEntry.id)).all()
    assert [(e.action, e.holder_name, e.desk) for e in entries] == [("issued", "梁静", "东门"),
                                                                    ("recovered", "梁静", "")]
    assert entries[1].attendee_id == person(q4.id, "梁静")
