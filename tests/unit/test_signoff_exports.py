"""Issue 11: the printed plan carries the decision — who approved which version when, with the hash — and an
unapproved plan is watermarked 未经审批 / NOT APPROVED (PDF and Word)."""
from __future__ import annotations

import io

from docx import Document

from planners import plan as timeline
from planners.plan.export import render
from planners.store import uow
from tests.checkin.helpers import approve_for_desk, make_event
from tests.conftest import make_user
from tests.helpers import pdf_text


def _docx_text(data: bytes) -> str:
    d = Document(io.BytesIO(data))
    return "\n".join([p.text for p in d.paragraphs] + [p.text for s in d.sections for p in s.header.paragraphs])


def test_an_unapproved_plan_is_watermarked_and_an_approved_one_names_who_approved_which_version(db_url):
    with uow.write_session(db_url) as s:
        org, _leader = make_user(s, "organizer", "organizer"), make_user(s, "leader", "leader")
    eid, _ = make_event(db_url, org, ready=False, n=1)
    with uow.read(db_url) as s:
        snap = timeline.snapshot(s, eid)
    assert "未经审批" in pdf_text(render(snap, "pdf", "zh_CN"))
    assert "NOT APPROVED" in _docx_text(render(snap, "docx", "en"))
    approve_for_desk(db_url, eid, org)
    with uow.read(db_url) as s:
        snap = timeline.snapshot(s, eid)
    h = snap.approvals[0]["approved_hash"]
    text = " ".join(pdf_text(render(snap, "pdf", "en")).split())
    assert "NOT APPROVED" not in text and "approved by leader" in text and h[:20] in text.replace(" ", "")
    doc = _docx_text(render(snap, "docx", "zh_CN"))
    assert "未经审批" not in doc and "由leader于" in doc and h in doc and "______" not in doc
