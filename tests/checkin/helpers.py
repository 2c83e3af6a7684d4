"""Shared set-up for the check-in tests: an event happening now, with attendees and their badge codes."""
from __future__ import annotations

from datetime import timedelta

from planners.core import clock
from planners.attendees import badges as tokens
from planners.base.events import EventInput, create_event
from planners.store import uow
from planners.store.models import Attendee

# The desk names the tests scan at: a desk is a registered device (issue 18, item 1), so make_event registers these.
TEST_DESKS = ("d", "d1", "d2", "dx", "e", "D1", "cam", "north", "south", "东门", "desk", "bench", "warm", "fast",
              "A", "B", "other")


def register_desks(url: str, *names: str, kind: str = "desk") -> None:
    """Register the desks `names` (those already registered are left as they are)."""
    from planners.checkin import devices

    with uow.write_session(url) as s:
        for n in names:
            if devices.get_desk(s, n) is None:
                devices.register_desk(s, n, kind=kind, actor="test")


CLEARED = dict(clearance="confidential", pledge_signed=True, nationality="CN", id_type="resident_id")


def approve_for_desk(url: str, event_id: int, organizer) -> None:
    """Make the event desk-admissible (issue 11): the organizer submits its security plan and attendee list and a
    leader (two for 绝密) approves them, through the real API; then the event is set to `ready` directly (its
    venue and checklist, which the gate also asks for, are not what the desk tests are about)."""
    from sqlalchemy import select

    from planners.base import approvals, auth
    from planners.plan import signoff
    from planners.store.models import Event, User

    with uow.write_session(url) as s:
        leaders = [auth.principal(u) for u in s.scalars(select(User).where(User.role == "leader").order_by(User.id))]
        for i in range(len(leaders), 2):
            u, _ = auth.create_user(s, username=f"desk_test_leader{i}", role="leader", actor="test",
                                    password="correct-horse-battery", must_change=False)
            s.flush()
            leaders.append(auth.principal(u))
    for kind in signoff.KINDS:
        with uow.write_session(url) as s:
            item = signoff.submit(s, event_id, kind, actor=organizer)
            item_id, two = item.id, signoff.needs_two_leaders(s.get(Event, event_id))
        for leader in leaders[:2 if two else 1]:
            with uow.write_session(url) as s:
                approvals.decide(s, item_id, "approved", leader=leader, comment="")
    with uow.write_session(url) as s:
        s.get(Event, event_id).status = "ready"


def reapprove_list(url: str, event_id: int, organizer) -> None:
    """After people were added or edited behind the approved list: submit the list again (unless the change
    already queued it) and have a leader approve it, so the desk admits them (issue 11)."""
    from sqlalchemy import select

    from planners.base import approvals, auth
    from planners.core.errors import InvalidTransition
    from planners.plan import signoff
    from planners.store.models import Approval, User

    with uow.write_session(url) as s:
        try:
            signoff.submit(s, event_id, "list", actor=organizer)
        except InvalidTransition:
            pass  # the change queued it already
    with uow.write_session(url) as s:
        item = s.scalar(select(Approval).where(Approval.event_id == event_id, Approval.kind == signoff.LIST_KIND,
                                               Approval.status == "pending"))
        leaders = [auth.principal(u) for u in s.scalars(select(User).where(User.role == "leader").order_by(User.id))]
        item_id = item.id
    for leader in leaders[:2]:
        with uow.write_session(url) as s:
            if s.get(Approval, item_id).status != "pending":
                break
            approvals.decide(s, item_id, "approved", leader=leader, comment="")


def make_event(url: str, organizer, *, level: str = "confidential", n: int = 3, device_policy: str = "lockers",
               start_offset_h: float = -1, hours: float = 4, title: str = "检查会议", people: list[dict] | None = None,
               ready: bool = True):
    """An event that started `start_offset_h` hours ago with `n` cleared attendees (or `people`).
    Returns (event_id, {attendee_id: code}). The desks of TEST_DESKS are registered. `ready` (the default): its
    plan and list are approved and it is ready, so the desk admits (issue 11); `ready=False`: a draft."""
    register_desks(url, *TEST_DESKS)
    now = clock.utcnow()
    with uow.write_session(url) as s:
        ev = create_event(s, EventInput(title=title, kind="meeting", level=level,
                                        start=(now + timedelta(hours=start_offset_h)).replace(
                                            tzinfo=__import__("datetime").timezone.utc),
                                        end=(now + timedelta(hours=start_offset_h + hours)).replace(
                                            tzinfo=__import__("datetime").timezone.utc),
                                        device_policy=device_policy), actor=organizer)
        rows = people if people is not None else [
            dict(name=f"参会人{i:04d}", unit="市财政局", id_last4=f"{i:04d}", **CLEARED) for i in range(n)]
        for r in rows:
            s.add(Attendee(event_id=ev.id, **r))
        s.flush()
        codes = {a.id: c for a, c in tokens.codes_for_event(s, ev.id, actor=organizer)}
        event_id = ev.id
    if ready and rows:
        approve_for_desk(url, event_id, organizer)
    return event_id, codes
