"""The disclosure scope: tier and level rules, the ceiling, approval, what is not in the scope, the incident log,
and the host briefing made only from an approved scope with exactly the scope's topics."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from planners.base import approvals
from planners.visits import briefing, disclosure
from planners import visits
from planners.visits.disclosure import ItemInput
from planners.core.errors import PermissionDenied, ValidationFailed
from planners.store.uow import read as read_session, write_session
from tests.helpers import pdf_text
from tests.unit.test_visits import visit_input


def _visit(users, **over) -> int:
    with write_session() as s:
        return visits.create(s, visit_input(**over), actor=users["organizer"]).id


def _set(users, vid, ceiling, *items):
    with write_session() as s:
        return disclosure.set_scope(s, vid, ceiling=ceiling, actor=users["organizer"], items=list(items))


@pytest.mark.parametrize("decision", ["may_discuss", "agreed_line"])
def test_a_state_secret_topic_is_must_not_discuss_without_an_exception(db_url, users, decision):
    with write_session() as s:
        disclosure.add_topic(s, code="port_expansion", title_en="Port expansion budget", title_zh="港口扩建预算",
                             level="secret", tier="non_core", actor=users["organizer"])
    vid = _visit(users)
    item = ItemInput(topic="port_expansion", decision=decision, methods=("oral",))
    with pytest.raises(disclosure.StateSecretNeedsException):
        _set(users, vid, "secret", ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)),
             item)
    _set(users, vid, "secret", ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)),
         ItemInput(topic="port_expansion", decision="must_not"))
    _, findings = _set(users, vid, "secret",
                       ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)),
                       ItemInput(topic="port_expansion", decision=decision, methods=("oral",),
                                 exception_basis="保密法第三十七条；经市保密局书面批准"))
    assert [f.rule for f in findings] == ["VIS-SECRET-EXCEPTION", "VIS-NONCORE"]  # the leader sees the exception and its basis
    assert "保密法第三十七条" in findings[0].reason["zh_CN"]


CEILING = [
    ("internal topic under a public ceiling", "industrial_park_plans", "agreed_line", "public", disclosure.AboveCeiling),
    ("work secret under an internal ceiling", "project_pipeline", "may_discuss", "internal", disclosure.AboveCeiling),
    ("core topic even with a high ceiling", "trade_negotiation_position", "may_discuss", "top_secret",
     disclosure.CoreNeverDisclosed),
    ("pre-cleared topic discussed freely", "investment_policy", "may_discuss", "internal", ValidationFailed),
    ("no way of showing it", "city_economy_public", "may_discuss", "public", ValidationFailed),
]


@pytest.mark.parametrize("why,topic,decision,ceiling,error", CEILING, ids=[c[0] for c in CEILING])
def test_a_scope_decision_that_may_not_be_is_refused_with_the_reason(db_url, users, why, topic, decision, ceiling,
                                                                      error):
    vid = _visit(users, topics=[])
    methods = () if why == "no way of showing it" else ("oral",)
    with pytest.raises(error) as exc:
        _set(users, vid, ceiling, ItemInput(topic=topic, decision=decision, methods=methods))
    assert exc.value.localized("en") != exc.value.key
    with read_session() as s:
        assert disclosure.get_scope(s, vid) is None  # nothing was saved
    _set(users, vid, ceiling, ItemInput(topic=topic, decision="must_not"))  # must not discuss is always possible


def test_every_topic_asked_for_needs_a_decision(db_url, users):
    vid = _visit(users, topics=["investment_policy", "port_logistics"])
    with pytest.raises(ValidationFailed) as exc:
        _set(users, vid, "internal", ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)))
    assert exc.value.key == "disclosure.asked_topic_missing"


def _approved_scope(users, vid):
    with write_session() as s:
        if visits.get(s, vid).status == "draft":
            visits.submit(s, vid, actor=users["organizer"])
            visits.decide(s, vid, "approved", leader=users["leader"], comment="同意")
    _set(users, vid, "internal",
         ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)),
         ItemInput(topic="technology_cooperation", decision="may_discuss", methods=("oral", "visual")),
         ItemInput(topic="internal_assessments", decision="must_not"))
    with write_session() as s:
        scope = disclosure.submit_scope(s, vid, actor=users["organizer"])
        item = approvals.latest_for(s, "disclosure_scope", "disclosure_scope", scope.id)
        approvals.decide(s, item.id, "approved", leader=users["leader"], comment="同意")


def test_anything_not_in_the_approved_scope_is_not_authorised(db_url, users):
    vid = _visit(users)
    _set(users, vid, "internal", ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)))
    with read_session() as s:  # not approved yet: nothing is authorised
        assert disclosure.authorised(s, vid, "investment_policy") == "must_not"
    _approved_scope(users, vid)
    with read_session() as s:
        assert disclosure.authorised(s, vid, "investment_policy") == "agreed_line"
        assert disclosure.authorised(s, vid, "technology_cooperation") == "may_discuss"
        assert disclosure.authorised(s, vid, "port_logistics") == "must_not"
        scope = disclosure.get_scope(s, vid)
        assert (scope.status, scope.decided_by) == ("approved", "leader")


def test_the_submitter_cannot_approve_the_scope(db_url, users):
    vid = _visit(users)
    _set(users, vid, "internal", ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)))
    with write_session() as s:
        scope = disclosure.submit_scope(s, vid, actor=users["organizer"])
        item_id = approvals.latest_for(s, "disclosure_scope", "disclosure_scope", scope.id).id
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            approvals.decide(s, item_id, "approved", leader=users["organizer"])


def test_the_briefing_is_refused_while_the_scope_is_not_approved_and_after_it_changes(db_url, users):
    vid = _visit(users)
    with read_session() as s, pytest.raises(disclosure.ScopeNotApproved) as exc:
        briefing.render(s, vid, "pdf", "en")
    assert "not approved" in exc.value.localized("en")
    _approved_scope(users, vid)
    with read_session() as s:
        assert briefing.render(s, vid, "docx", "en")[:2] == b"PK"
    with write_session() as s:  # a changed request waits for the leader: no briefing from it meanwhile
        visits.update(s, vid, visit_input(purpose="新目的"), actor=users["organizer"])
    with read_session() as s, pytest.raises(briefing.VisitNotApproved):
        briefing.render(s, vid, "pdf", "en")
    with write_session() as s:
        visits.decide(s, vid, "approved", leader=users["leader"], comment="同意")
    _set(users, vid, "internal", ItemInput(topic="investment_policy", decision="must_not"))
    with read_session() as s:
        assert disclosure.get_scope(s, vid).status == "draft"
        with pytest.raises(disclosure.ScopeNotApproved):
            briefing.render(s, vid, "pdf", "zh_CN")


def _docx_text(data: bytes) -> str:
    from docx import Document

    d = Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_the_demo_briefing_has_every_allowed_and_forbidden_topic_of_the_scope_and_nothing_outside_it(demo, users):
    with read_session() as s:
        v = visits.by_event(s, demo.events["bavaria-delegation"].id)
        scope = disclosure.get_scope(s, v.id)
        items = disclosure.scope_items(s, scope)
        cat = disclosure.topics(s)
        zh = pdf_text(briefing.render(s, v.id, "pdf", "zh_CN"))
        en = _docx_text(briefing.render(s, v.id, "docx", "en"))
        en_pdf = pdf_text(briefing.render(s, v.id, "pdf", "en"))
    inside = {i.topic_code for i in items}
    outside = set(cat) - inside
    assert {i.decision for i in items} == {"may_discuss", "agreed_line", "must_not"} and outside
    for code in inside:
        assert cat[code].label("zh_CN") in zh, code
        assert cat[code].label("en") in en, code
    for code in outside:
        assert cat[code].label("zh_CN") not in zh, code
        assert cat[code].label("en") not in en, code
        assert cat[code].label("en").split()[0] + " " + cat[code].label("en").split()[1] not in en_pdf
    agreed = [i for i in items if i.decision == "agreed_line"]
    for i in agreed:  # the agreed lines are printed
        assert cat[i.topic_code].talking_points["zh_CN"][:12] in zh
    assert "Markus Weber" in zh and "市政府会议中心3号厅" in zh and "不得拍照" in zh
    forbidden_part = zh.split("不得涉及的内容")[1].split("外方索要更多信息时")[0]
    for i in items:
        assert (cat[i.topic_code].label("zh_CN") in forbidden_part) == (i.decision == "must_not")


def test_the_demo_visit_is_approved_by_the_leader_and_a_second_request_waits(demo, users):
    from planners.base import demo as demo_mod

    with read_session() as s:
        v = visits.by_event(s, demo.events["bavaria-delegation"].id)
        scope = disclosure.get_scope(s, v.id)
        assert (v.status, scope.status, scope.decided_by, scope.requested_by) == \
            ("approved", "approved", "leader", "organizer")
        waiting = approvals.pending(s, kind="visit_request")
        assert [a.title["zh_CN"] for a in waiting] == ["来访申请：日本贸易振兴机构代表团来访"]
        n_visits = len(visits.visible(s, users["admin"]))
    with write_session() as s:
        ctx = demo_mod.load(s)
    assert ctx.created == []
    with read_session() as s:
        assert len(visits.visible(s, users["admin"])) == n_visits
        assert len(approvals.pending(s, kind="visit_request")) == 1  # (and the demo's attendee list, issue 11)


def test_a_foreign_request_for_more_information_is_logged_and_goes_to_the_leader(db_url, users):
    vid = _visit(users)
    with pytest.raises(ValidationFailed):
        with write_session() as s:
            disclosure.log_info_request(s, vid, asked_by="Weber", what="", answer="x", actor=users["organizer"])
    with write_session() as s:
        entry = disclosure.log_info_request(s, vid, asked_by="Markus Weber", what="园区土地储备数据",
                                            answer="表示将转达，未提供", actor=users["organizer"])
        eid = entry.id
    with read_session() as s:
        [item] = approvals.pending(s)
        assert item.kind == "visit_info_request" and item.payload["what"] == "园区土地储备数据"
    with pytest.raises(Exception):  # the log is append-only
        with write_session() as s:
            s.execute(text("UPDATE visit_info_requests SET answer='x' WHERE id=:i"), {"i": eid})
    with write_session() as s:
        approvals.decide(s, item.id, "approved", leader=users["leader"], comment="已阅，继续按口径")


@pytest.mark.parametrize("over,key", [
    (dict(tier="pre_cleared"), "disclosure.talking_points_required"),
    (dict(level="secret", tier="public"), "disclosure.secret_tier"),
    (dict(code="investment_policy"), "disclosure.code_taken"),
    (dict(code="有 空格"), "disclosure.bad_code"),
    (dict(title_zh=""), "disclosure.title_both"),
])
def test_a_bad_topic_is_refused(db_url, users, over, key):
    args = dict(code="new_topic", title_en="New", title_zh="新", level="internal", tier="non_core")
    args.update(over)
    with pytest.raises(ValidationFailed) as exc:
        with write_session() as s:
            disclosure.add_topic(s, actor=users["organizer"], **args)
    assert exc.value.key == key


def test_the_cli_writes_the_briefing_and_refuses_an_event_without_an_approved_scope(demo, users, tmp_path):
    from planners.cli import main
    from tests.conftest import TEST_PASSWORD

    ev = demo.events["bavaria-delegation"].id
    out = tmp_path / "b.pdf"
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["briefing", str(ev), "--out", str(out), "--lang", "en", "--as", "admin"])
    assert r.exit_code == 0, r.output
    assert "Must not be discussed" in pdf_text(out.read_bytes())
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["briefing", str(ev), "--out", str(tmp_path / "b.docx"), "--as", "admin"])
    assert r.exit_code == 0 and (tmp_path / "b.docx").read_bytes()[:2] == b"PK"
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["briefing", str(demo.events["q4-trade-meeting"].id), "--out", str(out), "--as", "admin"])
    assert r.exit_code == 3 and "No visit request" in r.output
    with read_session() as s:
        vid = visits.by_event(s, ev).id
    _set(users, vid, "internal", *[ItemInput(topic=c, decision="must_not") for c in
                                  ["investment_policy", "industrial_park_plans", "technology_cooperation",
                                   "trade_negotiation_position"]])
    r = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD}).invoke(main, ["briefing", str(ev), "--out", str(tmp_path / "c.pdf"), "--as", "admin"])
    assert r.exit_code == 3 and "not approved" in r.output and not (tmp_path / "c.pdf").exists()


def test_making_a_briefing_is_audited_and_only_for_the_visits_own_people(db_url, users):
    from sqlalchemy import select

    from planners.store.models import AuditEntry
    from tests.conftest import make_user

    vid = _visit(users)
    _approved_scope(users, vid)
    with write_session() as s:
        other = make_user(s, "organizer2", "organizer")
    for who in (other, users["front_desk"]):
        with pytest.raises(PermissionDenied):
            with write_session() as s:
                briefing.export(s, vid, "docx", "en", actor=who)
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            disclosure.log_info_request(s, vid, asked_by="A", what="B", answer="C", actor=other)
    with write_session() as s:
        assert briefing.export(s, vid, "docx", "zh_CN", actor=users["leader"])[:2] == b"PK"
    with read_session() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "visit.briefing")).all()
        assert entry.actor == "leader"


def test_disclosure_findings_carry_their_own_ids_from_the_rule_file_not_the_meeting_rules():
    """A leader once saw "D3" (the catalogue's recording-devices rule) on a state-secret exception: the checks of
    a scope have their own ids and sources in data/rules/visits.yaml."""
    import yaml

    from planners.core.config import RULES_DIR
    from planners.visits import disclosure

    checks = yaml.safe_load((RULES_DIR / "visits.yaml").read_text(encoding="utf-8"))["checks"]
    assert set(checks) == set(disclosure.CHECKS)
    ids = {disclosure.check(c)["id"] for c in disclosure.CHECKS}
    plan_ids = {r["id"] for r in yaml.safe_load((RULES_DIR / "plan.yaml").read_text(encoding="utf-8"))["rules"]}
    assert ids.isdisjoint(plan_ids) and not any(i.startswith("D") for i in ids)
