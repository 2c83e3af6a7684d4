"""The one permission question: may this person do this to this object, and if not, why.

Pages ask `allowed(...)` to show or hide a control; planners call `require(...)`, which raises PermissionDenied
with the same reason key (the habit of Datasette's `allowed()` returning a decision with its reason). Nobody
re-types a role check: a new rule is a new row of RULES.

`actor` is anything with `.role`, `.id` and `.username` (base.auth.Principal); `obj` is the event, visit or task
the action is about, read by attribute (`organizer_id`, `status`, `created_by`, `owner_role`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from planners.core.errors import PermissionDenied

DESK_ROLES = ("front_desk", "admin")
OPEN_FOR_DESK = ("planned", "ready", "in_progress")


@dataclass(frozen=True, kw_only=True)
class Decision:
    allowed: bool
    reason_key: str = ""
    message: str = ""  # English, for logs and the CLI; the edge says reason_key in the reader's language

    def __bool__(self) -> bool:
        return self.allowed


def owns(actor, obj) -> bool:
    """An admin, or the organizer the object belongs to."""
    return actor.role == "admin" or (actor.role == "organizer" and getattr(obj, "organizer_id", None) == actor.id)


def _roles(*roles: str) -> Callable:
    return lambda actor, obj: actor.role in roles


def _owner_or(*roles: str) -> Callable:
    return lambda actor, obj: actor.role in roles or owns(actor, obj)


def _desk_or_owner(actor, obj) -> bool:
    if actor.role == "front_desk":
        return getattr(obj, "status", None) in OPEN_FOR_DESK
    return owns(actor, obj)


def _plan_mark(actor, task_and_event) -> bool:
    task, ev = task_and_event
    return actor.role in ("leader", "admin") or owns(actor, ev) or (
        actor.role == "front_desk" and task.owner_role == "front_desk")


def _incident(actor, ev) -> bool:
    if actor.role in ("front_desk", "leader", "admin"):
        return True
    return owns(actor, ev)


def _visit_edit(actor, v) -> bool:
    return owns(actor, v) or v.created_by == actor.username


def _visit_briefing(actor, v) -> bool:
    return actor.role in ("leader", "admin") or v.organizer_id == actor.id or v.created_by == actor.username


def _event_see(actor, ev) -> bool:
    if actor.role in ("leader", "admin"):
        return True
    if actor.role == "organizer":
        return ev.organizer_id == actor.id
    return ev.status in OPEN_FOR_DESK


def _trip_owner(actor, trip) -> bool:  # issue 14
    return owns(actor, trip) or (actor.role == "organizer" and getattr(trip, "created_by", None) == actor.username)


def _trip_see(actor, trip) -> bool:  # issue 14
    return actor.role in ("leader", "admin", "security_officer") or _trip_owner(actor, trip)


def _trip_brief(actor, trip) -> bool:  # issue 14
    return actor.role == "security_officer" or _trip_owner(actor, trip)


def _trip_close(actor, trip) -> bool:  # issue 14
    return actor.role == "leader" or _trip_owner(actor, trip)


# action -> (predicate(actor, obj), reason key, English message)
RULES: dict[str, tuple[Callable, str, str]] = {
    "event.create": (_roles("organizer", "admin"), "events.organizer_only", "Only an organizer creates events."),
    "event.edit": (owns, "events.owner_only", "Only the event's organizer may change it."),
    "event.transition": (_owner_or("leader", "admin"), "events.owner_only",
                         "Only the event's organizer or a leader changes its status."),
    "event.see": (_event_see, "error.permission", "This event belongs to another organizer."),
    "plan.build": (_owner_or("leader", "admin"), "plan.build_denied",
                   "Only the event's organizer or a leader builds its plan."),
    "plan.mark": (_plan_mark, "plan.mark_denied", "Only the event's organizer, a leader, or the task's owner marks it."),
    "plan.incident": (_incident, "plan.mark_denied", "Only the event's organizer, a leader, or the desk reports it."),
    "plan.documents_issued": (owns, "events.owner_only", "Only the event's organizer may change it."),
    "venue.record": (_roles("organizer", "admin"), "venues.organizer_only",
                     "Only an organizer or admin records venues."),
    "attendees.edit": (owns, "allowlist.owner_only", "Only the event's organizer may change its attendees."),
    "attendees.exception": (owns, "eligibility.organizer_only", "Only the event's organizer asks for an exception."),
    "badges.issue": (owns, "checkin.badges_owner_only", "Only the event's organizer issues badges."),
    "desk.register": (_roles("admin"), "checkin.desk_register_admin_only", "Only an admin registers desks."),
    "desk.record": (_roles(*DESK_ROLES), "checkin.desk_only", "Only a front desk records check-ins."),
    "documents.manage": (owns, "documents.organizer_only", "Only the event's organizer manages its documents."),
    "documents.desk": (_desk_or_owner, "documents.desk_event_closed",
                       "The front desk works only on planned, ready or running events."),
    "visit.create": (_roles("organizer", "leader", "admin"), "visits.create_role",
                     "Only an organizer or a leader makes a visit request; the front desk logs unannounced visits."),
    "visit.log_unannounced": (_roles("front_desk", "organizer", "admin"), "visits.desk_role",
                              "The front desk logs unannounced visits."),
    "visit.edit": (_visit_edit, "visits.owner_only", "Only the visit's organizer or its requester changes it."),
    "visit.briefing": (_visit_briefing, "briefing.owner_only",
                       "Only the visit's organizer, a leader or an admin makes its briefing."),
    "scope.edit": (owns, "disclosure.owner_only", "Only the visit's organizer edits its disclosure scope."),
    "topic.add": (_roles("organizer", "leader", "admin"), "disclosure.topic_role",
                  "Only an organizer, a leader or an admin adds topics."),
    "visit.log_request": (_roles("organizer", "front_desk", "admin"), "disclosure.log_role",
                          "Hosts log requests through the organizer or the front desk."),
    # issue 11
    "signoff.submit": (owns, "signoff.organizer_only",
                       "Only the event's organizer submits its security plan or attendee list to a leader."),
    # issue 13: the people register (涉密人员)
    "people.keep": (_roles("security_officer"), "people.officer_only",
                    "Only the security officer (保密员) keeps the people register."),
    "people.see_all": (_roles("security_officer", "leader", "admin"), "people.see_denied",
                       "Only the security officer, a leader or an admin reads the whole register."),
    "people.bar": (_roles("leader"), "people.leader_only", "Only a leader puts a person on the deny list."),
    "people.see_for_event": (_owner_or("security_officer", "leader"), "people.see_denied",
                             "Only the event's organizer reads the register for its attendees."),
    # issue 14: outbound trips
    "trip.list": (_roles("organizer", "leader", "admin", "security_officer"), "trips.role",
                  "Trips are for organizers, leaders, the security officer and admins."),
    "trip.create": (_roles("organizer", "admin"), "trips.organizer_only", "Only an organizer makes a trip request."),
    "trip.edit": (_trip_owner, "trips.owner_only", "Only the trip's organizer or its requester changes it."),
    "trip.see": (_trip_see, "trips.owner_only", "This trip belongs to another organizer."),
    "trip.run": (_trip_owner, "trips.owner_only",
                 "Only the trip's organizer records its briefing, carry list, departure, return and debrief."),
    "trip.brief": (_trip_brief, "trips.brief_denied",
                   "Only the trip's organizer or the security officer records the pre-departure briefing."),
    "trip.close": (_trip_close, "trips.owner_only", "Only the trip's organizer, a leader or an admin closes it."),
    # issue 15
    "sessions.manage": (owns, "sessions.owner_only", "Only the event's organizer manages its sessions."),
    "sessions.room_check": (_owner_or("front_desk"), "sessions.room_check_denied",
                            "Only the front desk or the event's organizer records a room check."),
    "notice.edit": (owns, "sessions.owner_only", "Only the event's organizer edits its secrecy notice."),
    "notice.sign": (_roles(*DESK_ROLES), "checkin.desk_only", "Only a front desk records a signature."),
    "photos.upload": (owns, "allowlist.owner_only", "Only the event's organizer may change its attendees."),
    "photos.camera": (_roles(*DESK_ROLES), "checkin.desk_only", "Only a front desk takes a photo at the door."),
    "photos.purge": (_roles("admin"), "photos.admin_only", "Only an admin deletes an event's personal data."),
    "paper.print": (_desk_or_owner, "sessions.paper_denied",
                    "Only the front desk or the event's organizer prints the paper sheets."),
    # issue 16
    "desk.exit_override": (_owner_or("leader", "admin"), "checkin.override_denied",
                           "Only the event's organizer, a leader or an admin lets out someone holding a copy."),
    # issue 12: key locations, route, host briefings, the post-visit report
    "keyloc.edit": (_roles("organizer", "admin"), "vplan.keyloc_edit_role",
                    "Only an organizer or an admin proposes key locations; a leader approves them."),
    "keyloc.see": (_roles("organizer", "leader", "admin", "foreign_affairs"), "vplan.keyloc_see_role",
                   "The key locations register is read by organizers, leaders, admins and the foreign-affairs office."),
    "visit.route": (owns, "vplan.route_owner_only", "Only the visit's organizer fixes its route."),
    "visit.report_file": (owns, "vplan.report_owner_only", "Only the visit's organizer files its report."),
    "visit.report_read": (_owner_or("leader", "foreign_affairs"), "vplan.report_read_role",
                          "The report is read by the visit's organizer, the leader and the foreign-affairs office."),
    # issue 16 (h16d): the link to the desk on the home page of a front desk
    "desk.home_link": (_roles("front_desk"), "checkin.desk_only", "Only a front desk records check-ins."),
    # issue 12 (second engineer): during the visit; the leader reads the visits page
    "visit.during": (owns, "vduring.owner_only",
                     "Only the visit's organizer logs deviations and materials handed over."),
    "visit.read": (_owner_or("leader", "foreign_affairs"), "vduring.read_role",
                   "A visit is read by its organizer, a leader and the foreign-affairs office."),
}


def decide(actor, action: str, obj=None) -> Decision:
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"unknown action {action!r}: add it to planners/core/permissions.py RULES")
    check, key, message = rule
    if check(actor, obj):
        return Decision(allowed=True)
    return Decision(allowed=False, reason_key=key, message=message)


def allowed(actor, action: str, obj=None) -> bool:
    return decide(actor, action, obj).allowed


def require(actor, action: str, obj=None) -> None:
    """Raise PermissionDenied (with the rule's reason key) unless `actor` may do `action` to `obj`."""
    d = decide(actor, action, obj)
    if not d.allowed:
        raise PermissionDenied(d.message, key=d.reason_key)
