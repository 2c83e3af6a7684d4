"""Documents issued per session (issue 15), on SQLite and PostgreSQL (migration 0017 on both): a copy issued at
a session's door names the session in the custody ledger; reconciliation per session lists that session's copies;
a session of another meeting, a copy above the session's level and a receiver not admitted to it are refused with
their rule, and nothing is recorded then."""
from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import select

from planners import checkin, documents as docs
from planners.checkin import sessions as ss
from planners.core import clock
from planners.core.errors import NotFound
from planners.store import uow
from planners.store.models_documents import CustodyEntry
from tests.checkin.helpers import make_event
from tests.conftest import make_user


def _doc(s, eid, org, control: str, level: str, copies: int = 2) -> list[str]:
    d = docs.register_document(s, eid, docs.DocumentInput(
        control_no=control, short_title="会议材料", carrier="paper", level=level, retention_kind="period",
        retention="5年", proposed_by="甲", approved_by="乙", basis="第1条", scope=["市财政局"],
        classified_on=date(2029, 12, 1), copies=copies), actor=org)
    return [docs.copy_code(eid, d.id, n) for n in range(1, copies + 1)]


@pytest.fixture
def meeting(any_db_url):
    """A 机密 meeting with a 秘密 plenary (everyone) and a 机密 closed session (two of three), one 机密 and one 秘密
    document, everyone checked in; and another meeting with a session of its own."""
    url = any_db_url
    with uow.write_session(url) as s:
        org, desk = make_user(s, "org", "organizer"), make_user(s, "desk", "front_desk")
    eid, codes = make_event(url, org, n=3, level="confidential", device_policy="none")
    other, _ = make_event(url, org, n=1, level="confidential", title="另一会议")
    (a1, c1), (a2, c2), (a3, c3) = sorted(codes.items())
    now = clock.utcnow().replace(tzinfo=UTC)
    with uow.write_session(url) as s:
        plenary = ss.create_session(s, eid, ss.SessionInput(title="全体会议", start=now, end=now + timedelta(hours=1),
                                                            level="secret", admitted=(a1, a2, a3)), actor=org).id
        closed = ss.create_session(s, eid, ss.SessionInput(title="闭门会议", start=now, end=now + timedelta(hours=1),
                                                           level="confidential", admitted=(a1, a2)), actor=org).id
        foreign = ss.create_session(s, other, ss.SessionInput(title="他会场次", start=now,
                                                              end=now + timedelta(hours=1), level="secret"),
                                    actor=org).id
        high = _doc(s, eid, org, "J-1", "confidential")
        low = _doc(s, eid, org, "M-1", "secret")
    for c in (c1, c2, c3):
        assert checkin.scan(eid, c, desk="D1", actor=desk, url=url).reason == "ok"
    return dict(url=url, desk=desk, eid=eid, a=(a1, a2, a3), plenary=plenary, closed=closed, foreign=foreign,
                high=high, low=low)


def _refusal(url, fn) -> list[str]:
    with pytest.raises(docs.IssueRefused) as exc:
        with uow.write_session(url) as s:
            fn(s)
    return [f.rule for f in exc.value.findings]


def test_a_copy_issued_at_a_session_door_names_the_session_and_reconciles_with_it(meeting):
    m = meeting
    url, eid, desk, (a1, a2, a3) = m["url"], m["eid"], m["desk"], m["a"]
    with uow.write_session(url) as s:
        e = docs.issue_copy(s, eid, m["high"][0], a1, actor=desk, desk="D1", session_id=m["closed"])
        assert e.session_id == m["closed"]
        docs.issue_copy(s, eid, m["low"][0], a3, actor=desk, session_id=m["plenary"])
        docs.issue_copy(s, eid, m["low"][1], a2, actor=desk)  # for the whole meeting, as before
    with uow.read(url) as s:
        closed = docs.reconcile(s, eid, session_id=m["closed"])
        plenary = docs.reconcile(s, eid, session_id=m["plenary"])
        whole = docs.reconcile(s, eid)
        stored = dict(s.execute(select(CustodyEntry.holder_name, CustodyEntry.session_id)
                                .where(CustodyEntry.event_id == eid)).all())
    assert [(r.code, r.state, r.holder_id) for r in closed.rows] == [(m["high"][0], "issued", a1)]
    assert [r.code for r in plenary.rows] == [m["low"][0]] and plenary.counts["issued"] == 1
    assert len(whole.rows) == 4 and len(whole.outstanding) == 3  # the whole meeting still sees every copy
    assert {r.code: r.session_id for r in whole.rows if r.state == "issued"} == {
        m["high"][0]: m["closed"], m["low"][0]: m["plenary"], m["low"][1]: None}
    assert set(stored.values()) == {m["closed"], m["plenary"], None}
    # recovered at the closed session's door: still that session's copy, now recovered
    with uow.write_session(url) as s:
        docs.recover_copy(s, eid, m["high"][0], a1, actor=desk)
    with uow.read(url) as s:
        closed = docs.reconcile(s, eid, session_id=m["closed"])
    assert [(r.code, r.state) for r in closed.rows] == [(m["high"][0], "recovered")] and closed.clean


def test_a_copy_above_the_sessions_level_or_for_someone_not_admitted_is_refused_and_nothing_recorded(meeting):
    m = meeting
    url, eid, desk, (a1, _a2, a3) = m["url"], m["eid"], m["desk"], m["a"]
    # a 机密 copy in the 秘密 plenary
    assert _refusal(url, lambda s: docs.issue_copy(s, eid, m["high"][0], a1, actor=desk,
                                                    session_id=m["plenary"])) == ["DOC-SESSION-LEVEL"]
    # a3 is on the meeting's list but not admitted to the closed session
    assert _refusal(url, lambda s: docs.issue_copy(s, eid, m["low"][0], a3, actor=desk,
                                                    session_id=m["closed"])) == ["DOC-SESSION-LIST"]
    # a session of another meeting
    assert _refusal(url, lambda s: docs.issue_copy(s, eid, m["low"][0], a1, actor=desk,
                                                    session_id=m["foreign"])) == ["DOC-SESSION-EVENT"]
    with pytest.raises(NotFound):
        with uow.write_session(url) as s:
            docs.issue_copy(s, eid, m["low"][0], a1, actor=desk, session_id=987654)
    with uow.read(url) as s:
        assert s.scalar(select(CustodyEntry.id).where(CustodyEntry.event_id == eid)) is None
        assert {r.state for r in docs.reconcile(s, eid).rows} == {"in_store"}
        with pytest.raises(NotFound):
            docs.reconcile(s, eid, session_id=m["foreign"])
    # the message names the session and how to fix it, in both languages
    with pytest.raises(docs.IssueRefused) as exc:
        with uow.write_session(url) as s:
            docs.issue_copy(s, eid, m["high"][0], a1, actor=desk, session_id=m["plenary"])
    f = exc.value.findings[0]
    assert "全体会议" in f.reason["en"] and "whole meeting" in f.reason["en"]
    assert "全体会议" in f.reason["zh_CN"] and "机密" in f.reason["zh_CN"] and "秘密" in f.reason["zh_CN"]
