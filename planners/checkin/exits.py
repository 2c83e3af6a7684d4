"""The exit of someone holding a numbered copy (issue 16): the desk's 收回 (take back, then the exit) and a
supervisor's override (the exit with the copies still out, audited with who and why). Both end in the desk's own
exit (planners.checkin.desk), in its transaction."""
from __future__ import annotations

from datetime import datetime

from planners.base import auth
from planners.checkin import desk as _desk  # the parameter `desk` is the desk's name
from planners.checkin.devices import require_registered_orm
from planners.checkin.verdict import Verdict, actor_name
from planners.core import hooks, permissions
from planners.core.errors import NotFound, PermissionDenied, ValidationFailed
from planners.core.i18n import both
from planners.store import uow
from planners.store.models import Attendee, Event
from planners.store.uow import read as read_session


OVERRIDE_REASON_MIN = 4  # characters: "家中急事" is a reason, "ok" is not


def take_back_and_exit(event_id: int, attendee_id: int, *, desk: str, actor, now: datetime | None = None,
                       url: str | None = None) -> Verdict:
    """The desk's 收回 button: take back what the person holds (the `exit_take_back` answers, e.g. every
    numbered copy, each recovered and audited by its area), then record the exit. The verdict names what was
    taken back."""
    actor_name(actor)  # a desk account, before anything changes
    with uow.write_session(url) as s:
        require_registered_orm(s, desk)
        ev, a = s.get(Event, event_id), s.get(Attendee, attendee_id)
        if ev is None or a is None or a.event_id != event_id:
            raise NotFound(f"No attendee {attendee_id} on this event.", key="checkin.take_back_nobody")
        taken = [c for fn in hooks.answers("exit_take_back") for c in fn(s, ev, a, actor, desk)]
    v = _desk._by_person(event_id, attendee_id, desk=desk, actor=actor, direction="out", now=now, url=url,
                   method="take_back")
    if taken:
        v.require_attention.insert(0, {"code": "taken_back", "copies": taken,
                                       "text": both("checkin.attention.taken_back", n=len(taken),
                                                    codes="、".join(taken))})
    return v


def exit_override(event_id: int, attendee_id: int, *, desk: str, actor, supervisor: str, password: str,
                  reason: str, now: datetime | None = None, url: str | None = None,
                  client: str | None = None) -> Verdict:
    """A supervisor lets a person out who still holds a copy: the supervisor signs in at the desk (their own
    account and password, counted and audited like any sign-in), must be the event's organizer, a leader or an
    admin and not the desk's own account, and gives a reason. The exit and `checkin.exit_override` (who, why,
    which copies stay out) are written in one transaction; the copies stay outstanding in the reconciliation
    and still stop the event from closing."""
    who = actor_name(actor)
    reason = " ".join((reason or "").split())
    if len(reason) < OVERRIDE_REASON_MIN:
        raise ValidationFailed("Give the reason for letting the person out with a copy.",
                               key="checkin.override_reason", field="reason", n=OVERRIDE_REASON_MIN)
    boss = auth.sign_in(supervisor or "", password or "", url, client=client)
    with read_session(url) as s:
        ev = s.get(Event, event_id)
        if ev is None:
            raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
        permissions.require(boss, "desk.exit_override", ev)
    if boss.username == who:
        raise PermissionDenied("The supervisor must be another person than the desk.", key="checkin.override_self")
    copies = [c for x in _desk._exit_holds(url, event_id, attendee_id) for c in x.get("copies", ())]
    v = _desk._by_person(event_id, attendee_id, desk=desk, actor=actor, direction="out", now=now, url=url,
                   method="override", override={"supervisor": boss.username, "reason": reason, "copies": copies})
    if v.reason == "exit_ok":
        v.require_attention.insert(0, {"code": "override", "text": both(
            "checkin.attention.override", supervisor=boss.display_name or boss.username, reason=reason)})
    return v
