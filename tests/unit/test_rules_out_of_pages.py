"""Rules that sat in pages now live in their areas, and the pages ask them."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from planners import checkin, documents
from planners.core.errors import ValidationFailed
from planners.visits import disclosure
from planners.visits.requests import VisitInput, validate


@pytest.mark.parametrize("state, actions", [
    ("in_store", {"issued", "to_secrecy_room", "destroyed", "lost", "taken_abroad"}),  # taken abroad: issue 14
    ("issued", {"transferred", "recovered", "to_secrecy_room", "lost"}),
    ("recovered", {"issued", "to_secrecy_room", "destroyed", "lost", "taken_abroad"}),
    ("secrecy_room", {"destroyed", "lost", "taken_abroad"}),
    ("destroyed", set()),
    ("lost", set()),
])
def test_what_a_copy_may_do_next_comes_from_the_custody_transitions(state, actions):
    assert set(documents.allowed_actions(state)) == actions


def test_a_document_is_never_above_its_event():
    ev = SimpleNamespace(level="secret")
    assert "confidential" not in documents.levels_allowed_for(ev) and "secret" in documents.levels_allowed_for(ev)
    assert "top_secret" not in documents.levels_allowed_for(SimpleNamespace(level="confidential"))


def test_a_visit_is_never_a_state_secret_even_when_the_page_is_bypassed():
    now = datetime.now(timezone.utc) + timedelta(days=10)
    with pytest.raises(ValidationFailed) as err:
        validate(None, VisitInput(title="代表团来访", purpose="经贸交流", visit_type="one_time", level="secret", start=now,
                            end=now + timedelta(hours=3)), now=now - timedelta(days=1))
    assert err.value.key == "visits.level_secret" and err.value.field == "level"


def test_a_core_topic_the_visitors_asked_for_starts_as_must_not():
    core = SimpleNamespace(tier="core")
    assert disclosure.default_decision(core, asked=True) == "must_not"
    assert disclosure.default_decision(core, asked=False) is None
    assert disclosure.default_decision(SimpleNamespace(tier="public"), asked=True) is None


def test_the_desk_recognises_a_whole_badge_code_by_the_token_format():
    code = "CV1:" + "A" * 136
    assert re.match(checkin.scanner_pattern(), code)
    assert not re.match(checkin.scanner_pattern(), code[:-1])
