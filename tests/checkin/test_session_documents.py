"""Documents issued per session (issue 15) from the paper sheet, the CLI and the documents page: the 文件签收单 of
a session lists that session's copies (with the receiver) and the copies still in store at its level; `conclave
documents issue … --session ID` and `reconcile … --session ID`; the page's issue form picks the session."""
from __future__ import annotations

import json
from datetime import UTC, date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from planners import checkin, documents as docs
from planners.checkin import paper
from planners.checkin import sessions as ss
from planners.cli import main
from planners.core import clock
from planners.store import uow
from planners.store.models import Attendee
from planners.store.models_documents import CustodyEntry
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import TEST_PASSWORD, app_test
from tests.helpers import pdf_text

PEOPLE = [dict(name="王五", unit="市财政局", id_last4="3333", **CLEARED),
          dict(name="赵六", unit="市财政局", id_last4="4444", **CLEARED),
          dict(name="钱七", unit="市财政局", id_last4="5555", **CLEARED)]


@pytest.fixture
def meeting(db_url, users):
    org = users["organizer"]
    eid, codes = make_event(db_url, org, level="confidential", people=PEOPLE, device_policy="none")
    now = clock.utcnow().replace(tzinfo=UTC)
    with uow.write_session(db_url) as s:
        ids = {a.name: a.id for a in s.scalars(select(Attendee).where(Attendee.event_id == eid))}
        plenary = ss.create_session(s, eid, ss.SessionInput(title="全体会议", start=now, end=now + timedelta(hours=1),
                                                            level="secret", admitted=tuple(ids.values())),
                                    actor=org).id
        closed = ss.create_session(s, eid, ss.SessionInput(title="闭门会议", start=now, end=now + timedelta(hours=1),
                                                           level="confidential", admitted=(ids["王五"], ids["赵六"])),
                                   actor=org).id
        made = {}
        for control, level in (("JM-1", "confidential"), ("MM-1", "secret")):
            d = docs.register_document(s, eid, docs.DocumentInput(
                control_no=control, short_title=f"材料{control}", carrier="paper", level=level,
                retention_kind="period", retention="5年", proposed_by="甲", approved_by="乙", basis="第1条",
                scope=["市财政局"], classified_on=date(2029, 12, 1), copies=2), actor=org)
            made[control] = [docs.copy_code(eid, d.id, n) for n in (1, 2)]
    for c in codes.values():
        assert checkin.scan(eid, c, desk="D1", actor=users["front_desk"], url=db_url).reason == "ok"
    return dict(eid=eid, ids=ids, plenary=plenary, closed=closed, copies=made)


def test_the_receipt_sheet_of_a_session_lists_its_copies_and_what_may_still_be_issued_there(meeting, users):
    m, desk, org = meeting, users["front_desk"], users["organizer"]
    with uow.write_session() as s:
        docs.issue_copy(s, m["eid"], m["copies"]["JM-1"][0], m["ids"]["王五"], actor=desk, session_id=m["closed"])
        docs.issue_copy(s, m["eid"], m["copies"]["MM-1"][0], m["ids"]["钱七"], actor=desk, session_id=m["plenary"])
    with uow.write_session() as s:
        closed = pdf_text(paper.receipt_sheet(s, m["eid"], session_id=m["closed"], lang="zh_CN", actor=org))
        plenary = pdf_text(paper.receipt_sheet(s, m["eid"], session_id=m["plenary"], lang="en", actor=org))
        whole = pdf_text(paper.receipt_sheet(s, m["eid"], lang="zh_CN", actor=org))
    lines = [ln for ln in closed.splitlines() if "JM-1" in ln or "MM-1" in ln]
    # the closed session: its copy JM-1/1 with 王五 first, then JM-1/2 and MM-1/2 still in store; MM-1/1 is the
    # plenary's (issued to 钱七 there)
    assert "闭门会议" in closed and "领用人" in closed and "机密" in closed
    assert len(lines) == 3 and "JM-1" in lines[0] and "王五" in lines[0]
    assert "钱七" not in closed
    # the 秘密 plenary: MM-1/1 with 钱七, MM-1/2 in store; no 机密 copy
    assert "Received by" in plenary and "钱七" in plenary and "MM-1" in plenary and "JM-1" not in plenary
    rows = [ln for ln in whole.splitlines() if "JM-1" in ln or "MM-1" in ln]
    assert "王五" in whole and "钱七" in whole and len(rows) == 4


def test_the_cli_issues_for_a_session_and_reconciles_one_session(meeting, users):
    m = meeting
    runner = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD})
    code = m["copies"]["JM-1"][0]
    r = runner.invoke(main, ["documents", "issue", str(m["eid"]), code, str(m["ids"]["赵六"]), "--as", "front_desk",
                             "--session", str(m["closed"])])
    assert r.exit_code == 0, r.output
    # 钱七 is not admitted to the closed session: refused with the rule, exit 3, nothing recorded
    r = runner.invoke(main, ["documents", "issue", str(m["eid"]), m["copies"]["JM-1"][1], str(m["ids"]["钱七"]),
                             "--as", "front_desk", "--session", str(m["closed"])])
    assert r.exit_code == 3 and "闭门会议" in r.output, r.output
    # a 机密 copy in the 秘密 plenary
    r = runner.invoke(main, ["documents", "issue", str(m["eid"]), m["copies"]["JM-1"][1], str(m["ids"]["王五"]),
                             "--as", "front_desk", "--session", str(m["plenary"])])
    assert r.exit_code == 3 and "全体会议" in r.output, r.output
    r = runner.invoke(main, ["documents", "reconcile", str(m["eid"]), "--session", str(m["closed"]), "--json"])
    assert r.exit_code == 3, r.output  # one copy outstanding
    out = json.loads(r.output)
    assert out["session_id"] == m["closed"] and [c["code"] for c in out["copies"]] == [code]
    assert out["copies"][0]["session_id"] == m["closed"] and out["copies"][0]["holder"] == "赵六"
    r = runner.invoke(main, ["documents", "reconcile", str(m["eid"]), "--session", str(m["plenary"]), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["copies"] == []
    r = runner.invoke(main, ["documents", "reconcile", str(m["eid"]), "--session", "999999"])
    assert r.exit_code != 0 and "999999" in r.output


def test_the_documents_page_issues_for_the_session_chosen_and_reconciles_it(meeting, users):
    m = meeting
    at = app_test("documents", user=users["organizer"])
    at.session_state["event_id"] = m["eid"]
    at.run()
    assert not at.exception, at.exception
    box = at.selectbox(key="doc_issue_session")
    assert box.value is None and box.options == ["— the whole meeting —", "全体会议", "闭门会议"]
    at.text_input(key="doc_issue_code").input(m["copies"]["JM-1"][0])
    at.selectbox(key="doc_issue_who").set_value(m["ids"]["王五"])
    at.selectbox(key="doc_issue_session").set_value(m["closed"])
    next(b for b in at.button if b.label == "Issue").click().run()
    assert not at.exception, at.exception
    banners = " ".join(x.value for x in at.markdown if "data-testid='verdict'" in x.value)
    assert "ISSUED" in banners
    with uow.read() as s:
        assert s.scalars(select(CustodyEntry.session_id).where(CustodyEntry.event_id == m["eid"])).all() == [
            m["closed"]]
    # above the plenary's level: refused on the spot, with the session named
    at.text_input(key="doc_issue_code").input(m["copies"]["JM-1"][1])
    at.selectbox(key="doc_issue_who").set_value(m["ids"]["赵六"])
    at.selectbox(key="doc_issue_session").set_value(m["plenary"])
    next(b for b in at.button if b.label == "Issue").click().run()
    banners = " ".join(x.value for x in at.markdown if "data-testid='verdict'" in x.value)
    assert "REFUSED" in banners and "全体会议" in banners
    at.selectbox(key="doc_rec_session").set_value(m["closed"]).run()
    assert not at.exception, at.exception
    assert any("1 copies outstanding" in e.value for e in at.error), [e.value for e in at.error]


def test_the_issue_form_starts_at_the_door_the_desk_stands_at(meeting, users):
    m = meeting
    at = app_test("documents", user=users["front_desk"])
    at.session_state["event_id"] = m["eid"]
    at.session_state[f"desk_door_{m['eid']}"] = m["closed"]  # chosen on the desk page
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="doc_issue_session").value == m["closed"]
