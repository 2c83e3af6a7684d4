"""Issue 17: the desk's undo offer drawn from a verdict is the one the database gives (no read after a scan)."""
from __future__ import annotations

from planners import checkin
from planners.store import uow
from tests.checkin.helpers import CLEARED, make_event

PEOPLE = [dict(name=f"参会人{i}", unit="市财政局", id_last4=f"{1000 + i}", **CLEARED) for i in range(4)]


def test_the_offer_of_an_admission_is_the_desks_newest_undoable_check_in(db_url, users):
    eid, codes = make_event(db_url, users["organizer"], people=PEOPLE)
    fd = users["front_desk"]
    for code in codes.values():
        v = checkin.scan(eid, code, desk="d", actor=fd)
        offer = checkin.offer_of_verdict(v)
        with uow.read(db_url) as s:
            read = checkin.undo_offer(s, eid, "d")
        assert v.reason == "ok" and offer == read and checkin.offer_open(offer)
    again = checkin.scan(eid, next(iter(codes.values())), desk="d", actor=fd)  # refused (inside already)
    assert again.reason != "ok" and checkin.offer_of_verdict(again) is None
    out = checkin.scan(eid, next(iter(codes.values())), desk="d", actor=fd, direction="out")
    assert out.reason == "exit_ok" and checkin.offer_of_verdict(out) is None
    assert checkin.offer_of_verdict(v, door=1) is None  # a session's door: the page asks the database


def test_an_offer_past_the_undo_window_is_closed(db_url, users):
    from datetime import timedelta

    from planners.checkin.verdict import UNDO_MINUTES

    eid, codes = make_event(db_url, users["organizer"], people=PEOPLE[:1])
    v = checkin.scan(eid, next(iter(codes.values())), desk="d", actor=users["front_desk"])
    offer = checkin.offer_of_verdict(v)
    assert checkin.offer_open(offer, now=v.at + timedelta(minutes=UNDO_MINUTES))
    assert not checkin.offer_open(offer, now=v.at + timedelta(minutes=UNDO_MINUTES, seconds=1))
    assert not checkin.offer_open(None)
