"""The desk's look-up by name + ID digits takes what the desk types as text (issue 19, item 8): `%` and `_`
are not wildcards, and full-width digits typed through a Chinese IME find the person."""
from __future__ import annotations

from planners import checkin
from planners.store import uow
from tests.checkin.helpers import CLEARED, make_event

PEOPLE = [dict(name="王明", unit="市财政局", id_last4="0123", **CLEARED),
          dict(name="王_芳", unit="市财政局", id_last4="4523", **CLEARED),
          dict(name="李100%", unit="市教育局", id_last4="7723", **CLEARED)]


def _find(db_url, eid, name, digits):
    with uow.read(db_url) as s:
        return sorted(a.name for a in checkin.find_attendees(s, eid, name, digits))


def test_percent_and_underscore_match_only_themselves(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], people=PEOPLE)
    assert _find(db_url, eid, "%", "23") == ["李100%"]
    assert _find(db_url, eid, "_", "23") == ["王_芳"]
    assert _find(db_url, eid, "王_", "23") == ["王_芳"]
    assert _find(db_url, eid, "王%", "23") == []


def test_full_width_digits_from_an_ime_find_the_person(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], people=PEOPLE)
    assert _find(db_url, eid, "王明", "０１２３") == ["王明"]
    assert _find(db_url, eid, "王明", "２３") == ["王明"]
    assert _find(db_url, eid, "李１００％", "23") == ["李100%"]
