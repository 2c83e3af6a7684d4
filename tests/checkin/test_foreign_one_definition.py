""""Foreign" has one definition (attendees.eligibility.is_foreign) and China is stored as CN however it is typed:
a person recorded as PRC is eligible, may receive a 机密 copy and is not escorted at the desk — before, eligibility,
the documents' receiver rule and the desk's escort each had their own list, and the import stored "PRC" as typed."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from planners.attendees import allowlist, eligibility
from planners.checkin.desk import _entry_attention
from planners.documents.custody import receiver_findings

ROW = {"name": "王明", "unit": "市财政局", "id_last4": "1001", "clearance": "机密", "pledge_signed": "是"}
CHINA_AS_TYPED = ["CN", "cn", "CHN", "PRC", "prc", "中国", "中华人民共和国", "ＣＮ", ""]


@pytest.mark.parametrize("typed", CHINA_AS_TYPED)
def test_china_however_typed_is_stored_as_cn(typed):
    out, problems = allowlist.validate_row({**ROW, "nationality": typed}, 2)
    assert problems == [] and out["nationality"] == "CN"


def _person(nationality: str):
    return SimpleNamespace(id=1, name="王明", unit="市财政局", post="", event_role="participant",
                           id_type="resident_id", id_last4="1001", nationality=nationality, clearance="confidential",
                           pledge_signed=True, foreign_invested_staff=False, designated_by="", photo=None)


EVENT = SimpleNamespace(id=1, level="confidential", device_policy="none", tz="Asia/Shanghai")
DOC = SimpleNamespace(level="confidential", scope=[], event_id=1)


@pytest.mark.parametrize("nationality, foreign", [("PRC", False), ("CHN", False), ("中国", False), ("CN", False),
                                                  ("DE", True), ("JP", True)])
def test_eligibility_documents_and_desk_agree_on_who_is_foreign(nationality, foreign):
    a = _person(nationality)
    assert eligibility.is_foreign(a) is foreign
    el = eligibility.evaluate(a, EVENT)
    assert ("E3" in el.open_rules) is foreign
    refused = {f.data.get("code") for f in receiver_findings(None, DOC, a, check_presence=False)}
    assert ("foreign_receiver" in refused) is foreign
    escorted = any(x["code"] == "escort" for x in _entry_attention(EVENT, a, el, None))
    assert escorted is foreign
