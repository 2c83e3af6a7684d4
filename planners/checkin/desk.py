"""The scan: a code (or a manual look-up) judged and recorded in one transaction, retried when a race is
lost, with what other areas ask the desk to do at check-out."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable


from planners.base import audit
from planners.attendees import eligibility, badges as tokens
from planners.attendees.eligibility import holds
from planners.core import hooks
from planners.base.events import local
from planners.core.errors import NotFound, NotRecorded, RaceLost, StoreFailed, ValidationFailed
from planners.core.i18n import both
from planners.core.levels import Classification
from planners.store import uow
from planners.core.clock import utcnow
from planners.store.uow import read as read_session
from planners.store.fastsql import Tx
from planners.store.models import Attendee, Event
from planners.checkin.desk_sql import Q_APPROVED, START_EVENT
from planners.checkin.desk_sql import NEXT_SCAN_ID, INSERT_ATTENDANCE, LOCKER_LOCK, Q_ATTENDANCE, Q_BADGE, Q_BADGE_LOCKED, Q_DUPLICATE, Q_EVENT, Q_OTHER_EVENT, Q_GRANTED, Q_KEY, Q_PERSON, Q_TOP_LOCKER, UPDATE_ENTRY, UPDATE_EXIT
from planners.checkin.devices import registered_and_event
from planners.attendees.identity import fingerprint as identity_fingerprint
from planners.checkin import door as session_door  # issue 15: a session's door
from planners.checkin import exit_guard  # the exit-held race
from planners.checkin.verdict import DEDUP_SECONDS, MAX_INPUT, Verdict, PG_LOCKER_LOCK, actor_name, attendee_info, hash_raw, normalize, safe_raw

# ---- the scan ------------------------------------------------------------------------------------------

def scan(event_id: int, raw, *, desk: str, actor, direction: str = "in", method: str = "scan",
         now: datetime | None = None, url: str | None = None, session_id: int | None = None) -> Verdict:
    """One scan at a desk -> its verdict, recorded. Retries a transaction that lost a race. `session_id`: the
    desk stands at that session's door (planners.checkin.door)."""
    who = actor_name(actor)
    if direction not in ("in", "out"):
        raise ValidationFailed("direction must be in or out", key="checkin.bad_direction", field="direction")
    code = normalize(raw)
    try:
        tok = tokens.parse(code) if len(code) <= MAX_INPUT else None
    except tokens.TokenError:
        tok = None
    rh = hash_raw(code)
    now = now or utcnow()
    held = exit_guard.read_holds(url, event_id, tok.attendee_id, _exit_holds) \
        if direction == "out" and tok is not None else []

    def judge(tx: Tx) -> Verdict:
        d, ev = registered_and_event(tx, desk, event_id)  # a registered device, or nothing is judged nor recorded
        ev = _found(ev, event_id)
        if direction == "in" and ev.status not in DESK_STATUSES:  # issue 11: nobody before the event is ready
            v = Verdict(reason="event_not_ready", direction=direction, details={"status": ev.status})
            return _record(tx, ev, v, desk=d, who=who, method=method, raw=code, raw_hash=rh, now=now)
        door = session_door.load(tx, ev, session_id) if session_id is not None else None
        v, person = _judge_code(tx, ev, tok, now)
        if person is not None:  # a good badge of this event, on the list, in its window: generation, then person
            gen = _badge_generation(tx, ev.id, person.id)
            if gen is None or (gen & 0xFFFF) != tok.generation:
                v = Verdict(reason="revoked", attendee=attendee_info(person))
            else:
                v = _at_door(tx, ev, door, person, desk=d, direction=direction, now=now, raw_hash=rh, held=held)
        v.direction = direction
        return _record_at(tx, ev, door, v, desk=d, who=who, method=method, raw=code, raw_hash=rh, now=now)

    return _with_retries(url, judge, event_id)


def _with_retries(url: str | None, judge: Callable[[Tx], Verdict], event_id: int) -> Verdict:
    """Run `judge` in a write transaction, again if it lost a race (at most 5 times); then the exit hooks.
    A database failure becomes NotRecorded: a message for the desk, never a stack trace."""
    for attempt in range(5):
        try:
            with uow.write(url) as work:
                v = judge(work.tx)
            break
        except StoreFailed as exc:  # planners.store.uow mapped the driver's error
            if attempt == 4 or not isinstance(exc, RaceLost):
                detail = exc.params.get("detail", "")
                raise NotRecorded(f"The scan was not recorded: {detail}", detail=detail) from exc
    if v.reason == "exit_ok" and not v.duplicate:
        v.require_attention.extend(_exit_attention(url, event_id, v.attendee["id"]))
    if v.reason == "event_not_ready":
        _explain_not_ready(url, event_id, v)
    return v


DESK_STATUSES = ("ready", "in_progress")  # issue 11: the only events the desk admits people to


def _explain_not_ready(url: str | None, event_id: int, v: Verdict) -> None:
    """What blocks the event (read once the refusal is recorded, outside the desk's transaction): its status
    and every finding of the readiness gate (attendee list not approved, venue unsuitable, …)."""
    from planners.base.events import not_ready_findings

    with read_session(url) as s:
        ev = s.get(Event, event_id)
        found = not_ready_findings(s, ev) if ev is not None else []
    v.details["blocking"] = ", ".join(dict.fromkeys(f.rule for f in found)) or v.details.get("status", "")
    v.require_attention.extend({"code": "blocking", "rule": f.rule, "text": f.reason} for f in found)


def _approved_list_refusal(tx: Tx, ev, a, info: dict) -> Verdict | None:
    """Issue 11: only a person the leader approved, as approved, is admitted (one indexed query). A 秘密 or
    higher event without an approved list is not ready; below 秘密 no list approval is required, but once one
    is approved the desk holds to it."""
    row = tx.one(Q_APPROVED, event_id=ev.id, attendee_id=a.id)
    if row is None or row.list_snapshot_id is None:
        if Classification(ev.level).is_state_secret:
            return Verdict(reason="event_not_ready", attendee=info, details={"status": ev.status})
        return None
    if row.fingerprint is None or row.fingerprint != identity_fingerprint(a):
        return Verdict(reason="not_on_approved_list", attendee=info,
                       details={"changed": "edited" if row.fingerprint else "added"})
    return None


def _exit_attention(url: str | None, event_id: int, attendee_id: int) -> list[dict]:
    """What other areas ask the desk to take back at check-out (e.g. numbered copies), read once the exit is
    recorded: their rules stay theirs and run on the ORM, outside the desk's write transaction."""
    answers = hooks.answers("exit_attention")
    if not answers:
        return []
    out: list[dict] = []
    with read_session(url) as s:
        ev, a = s.get(Event, event_id), s.get(Attendee, attendee_id)
        if ev is None or a is None or a.event_id != event_id:
            return []
        for fn in answers:
            out.extend(fn(s, ev, a))
    return out


def _exit_holds(url: str | None, event_id: int, attendee_id: int | None) -> list[dict]:
    """What stops an exit (issue 16): the exit_attention items marked `blocks_exit` (a numbered copy still held).
    Read before the exit's transaction; the person stays inside until they are taken back (take_back_and_exit)
    or a supervisor lets them out with a reason (exit_override)."""
    if attendee_id is None:
        return []
    return [x for x in _exit_attention(url, event_id, attendee_id) if x.get("blocks_exit")]


def _event(tx: Tx, event_id: int):
    return _found(tx.one(Q_EVENT, id=event_id), event_id)


def _found(ev, event_id: int):
    if ev is None:
        raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
    return ev


def _badge_generation(tx: Tx, event_id: int, attendee_id: int) -> int | None:
    """The badge's current generation, locking the badge row on PostgreSQL (SQLite: BEGIN IMMEDIATE)."""
    return tx.scalar(Q_BADGE if tx.sqlite else Q_BADGE_LOCKED, event_id=event_id, attendee_id=attendee_id)


def _judge_code(tx: Tx, ev, tok, now: datetime):
    """(refusal, None) or (None, the person's row) for a badge of this event, on its list, within its window."""
    if tok is None:
        return Verdict(reason="invalid"), None
    if tok.event_id != ev.id:
        other = tx.scalar(Q_KEY, event_id=tok.event_id)
        if other is not None and tokens.verify(tok, bytes(other)):
            return Verdict(reason="wrong_event", details=_where(tx, tok.event_id)), None
        return Verdict(reason="invalid"), None
    if not _verifies(tx, ev.id, tok):
        return Verdict(reason="invalid"), None
    a = tx.one(Q_PERSON, id=tok.attendee_id)
    if a is None or a.event_id != ev.id:
        return Verdict(reason="not_on_list"), None
    if not (tok.valid_from <= now <= tok.valid_until):  # the window in office time (issue 16), not ISO UTC
        return Verdict(reason="outside_window", attendee=attendee_info(a),
                       details={"start": local(tok.valid_from, ev.tz).strftime("%Y-%m-%d %H:%M"),
                                "end": local(tok.valid_until, ev.tz).strftime("%Y-%m-%d %H:%M")}), None
    return None, a


def _where(tx: Tx, event_id: int) -> dict:
    """Where the badge's own event is (issue 16): its title, its dates in its office time, its venue."""
    o = tx.one(Q_OTHER_EVENT, id=event_id)
    if o is None:
        return {"other": str(event_id), "when": "—", "where": "—"}
    a, b = local(o.starts_at, o.tz), local(o.ends_at, o.tz)
    when = f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}" if a.date() == b.date() else f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M}"
    return {"other": o.title, "when": when, "where": o.venue or "—"}


_PUBLIC_KEYS: dict[tuple[str, int], bytes] = {}


def _verifies(tx: Tx, event_id: int, tok) -> bool:
    """Verify with the event's public key, cached per database and event; a failure re-reads the key once, so a
    database restored under the same address is never judged with a stale key."""
    k = (tx.url, event_id)
    cached = _PUBLIC_KEYS.get(k)
    if cached is not None and tokens.verify(tok, cached):
        return True
    pub = tx.scalar(Q_KEY, event_id=event_id)
    if pub is None:
        _PUBLIC_KEYS.pop(k, None)
        return False
    pub = _PUBLIC_KEYS[k] = bytes(pub)
    return pub != cached and tokens.verify(tok, pub)


def _eligibility(tx: Tx, ev, a, now: datetime | None = None) -> eligibility.Eligibility:
    """`a`: the desk's row (with the register's facts when linked, issue 13), judged on the event's local date."""
    if not isinstance(a, eligibility.Effective):
        a = eligibility.effective(a, on=local(now or utcnow(), ev.tz).date())

    def granted_of(attendee_id: int) -> set[str]:  # only exceptions granted to the person the row names now
        return {r for row in tx.all(Q_GRANTED, attendee_id=attendee_id)
                if holds(a, row.rules, row.fingerprint, row.voided_at) for r in (row.rules or [])}

    return eligibility.judge(a, ev, granted_of)


def _maybe_duplicate(att, desk: str, direction: str, now: datetime) -> bool:
    """Could this exit be a second delivery of one just recorded? Only then is the scan log asked. (An entry is
    never replayed: a second `in` of a badge inside is `same_badge_again` or `already_checked_in`, see
    _inside_already.)"""
    if att is None or direction != "out":
        return False
    since = now - timedelta(seconds=DEDUP_SECONDS)
    return not att.inside and att.last_out_at is not None and att.last_out_at >= since


def _inside_already(ev, info: dict, att, now: datetime) -> Verdict:
    """A second `in` of a person inside, at any desk, never green (issue 18, item 1): within DEDUP_SECONDS of
    the admission it is `same_badge_again` (a badge passed back over the barrier, or a scanner delivering twice:
    "admitted by desk X at 09:14:03, do not admit a second person"), later `already_checked_in`. Both name the
    desk and the office time of the admission; the replay points at the admitting scan in the log."""
    details = {"desk": att.last_in_desk, "since": local(att.last_in_at, ev.tz).strftime("%H:%M:%S")}
    if att.last_in_at >= now - timedelta(seconds=DEDUP_SECONDS):
        return Verdict(reason="same_badge_again", attendee=info, duplicate=True,
                       details={**details, "duplicate_of": att.last_in_scan_id})
    return Verdict(reason="already_checked_in", attendee=info, details=details)


def _held_locker(att) -> str | None:
    return att.locker if att is not None and att.locker and att.device_returned_at is None else None


def _entry_attention(ev, a, el: eligibility.Eligibility, locker: str | None) -> list[dict]:
    out = [{"code": "photo_id", "rule": f.rule, "text": both("checkin.attention.photo_id", last=a.id_last4,
                                                             id_type=both(f"id_type.{a.id_type}"))}
           for f in el.attention]
    if locker:
        out.append({"code": "locker", "locker": locker, "text": both("checkin.attention.locker", locker=locker)})
    elif ev.device_policy == "approved_only":
        out.append({"code": "devices_approved_only", "text": both("checkin.attention.devices_approved_only")})
    if a.event_role == "visitor" or (eligibility.is_foreign(a) and Classification(ev.level).is_state_secret):
        out.append({"code": "escort", "text": both("checkin.attention.escort")})
    return out


def _next_locker(tx: Tx, event_id: int) -> int:
    """The next locker number: one above the highest handed out at this event (indexed, O(log n))."""
    if not tx.sqlite:  # SQLite's BEGIN IMMEDIATE already serialises; PostgreSQL: per-event lock
        tx.run(LOCKER_LOCK, k=PG_LOCKER_LOCK + int(event_id))
    return (tx.scalar(Q_TOP_LOCKER, event_id=event_id) or 0) + 1


def _admit(tx: Tx, ev, a, *, desk: str, direction: str, now: datetime, raw_hash: str | None = None,
           held: list[dict] | None = None) -> Verdict:
    """The verdict for a person at the door; the change to `attendance` is left in `v.write`, done by _record
    once the scan has its id. `raw_hash` given: a second delivery of an exit just recorded at this desk replays
    it; an entry is never replayed (_inside_already)."""
    info = attendee_info(a)
    att = tx.one(Q_ATTENDANCE, event_id=ev.id, attendee_id=a.id)
    if raw_hash is not None and _maybe_duplicate(att, desk, direction, now):
        first = tx.one(Q_DUPLICATE, desk=desk, raw_hash=raw_hash, event_id=ev.id, direction=direction,
                       at=now - timedelta(seconds=DEDUP_SECONDS))
        if first is not None:
            return Verdict(reason=first.reason, attendee=info, duplicate=True, details={"duplicate_of": first.id})
    if direction == "out":  # a copy issued since the holds were read is seen here (planners.checkin.exit_guard)
        return _let_out(tx, ev, info, att, now, exit_guard.confirm(tx, ev.id, a.id, [] if held is None else held,
                                                                _exit_holds))
    seen = eligibility.effective(a, on=local(now, ev.tz).date())
    el = _eligibility(tx, ev, seen)
    if el.status != eligibility.ELIGIBLE:
        rules = [f for f in el.findings if not f.met]
        reason = eligibility.register_reason(el, seen) or el.status  # issue 13: the register's own reasons
        details = {"rules": ", ".join(f.rule for f in rules)}
        if seen.linked:
            details.update(until=str(seen.reg["p_barred_until"] or ""),
                           decommission_until=str(seen.reg["p_decommission_until"] or ""),
                           pledge_until=str(seen.reg["p_pledge_until"] or ""))
        return Verdict(reason=reason, attendee=info, details=details,
                       require_attention=[{"code": "rule", "rule": f.rule, "text": f.reason} for f in rules])
    refused = _approved_list_refusal(tx, ev, a, info)  # issue 11: eligible, and on the list as approved
    if refused is not None:
        return refused
    if att is not None and att.inside:
        return _inside_already(ev, info, att, now)
    row = {"inside": True, "last_in_at": now, "last_in_desk": desk}
    for k in ("locker", "locker_no", "device_deposited_at", "device_returned_at"):  # kept unless a new locker
        row[k] = getattr(att, k) if att is not None else None
    locker = _held_locker(att)
    if ev.device_policy == "lockers" and locker is None:
        n = _next_locker(tx, ev.id)
        locker = str(n)
        row.update(locker=locker, locker_no=n, device_deposited_at=now, device_returned_at=None)
    entries = 1 if att is None else att.entries + 1

    def write(scan_id: int) -> None:
        if att is None:
            tx.run(INSERT_ATTENDANCE, event_id=ev.id, attendee_id=a.id, entries=1, first_in_at=now,
                   last_in_scan_id=scan_id, **row)
        else:
            tx.run(UPDATE_ENTRY, id=att.id, entries=entries, last_in_scan_id=scan_id, **row)

    v = Verdict(reason="ok", attendee=info, details={"entry": entries}, write=write)
    v.require_attention = _entry_attention(ev, seen, el, locker)
    return v


def _let_out(tx: Tx, ev, info: dict, att, now: datetime, held: list[dict]) -> Verdict:
    if att is not None and not att.inside and att.last_out_at is not None:  # out already: say when, not "no record"
        return Verdict(reason="already_left", attendee=info,
                       details={"since": local(att.last_out_at, ev.tz).strftime("%H:%M:%S")})
    if att is None or not att.inside:
        return Verdict(reason="not_inside", attendee=info)
    if held:  # a numbered copy still held: the exit is not recorded (orange), the desk takes it back first
        codes = "、".join(c for x in held for c in x.get("copies", ()))
        return Verdict(reason="exit_held", attendee=info, details={"codes": codes}, require_attention=list(held))
    attention = []
    returned = att.device_returned_at
    if _held_locker(att):
        returned = now
        attention.append({"code": "return_device", "locker": att.locker,
                          "text": both("checkin.attention.return_device", locker=att.locker)})
    return Verdict(reason="exit_ok", attendee=info, require_attention=attention,
                   write=lambda _scan_id: tx.run(UPDATE_EXIT, id=att.id, inside=False, last_out_at=now,
                                                 device_returned_at=returned))


def _at_door(tx: Tx, ev, door, a, *, desk: str, direction: str, now: datetime, raw_hash: str | None = None,
             held: list[dict] | None = None):
    """The event's main door (`door` None) or a session's door (issue 15); an admission also says when the
    event's secrecy notice is not signed yet."""
    if door is None:
        v = _admit(tx, ev, a, desk=desk, direction=direction, now=now, raw_hash=raw_hash, held=held)
        if v.reason == "exit_ok" and not v.duplicate:
            session_door.leave_every_session(tx, a.id, now)
    else:
        v = session_door.admit(tx, ev, door, a, desk=desk, direction=direction, now=now, kit=_KIT)
    if v.reason == "ok":
        v.require_attention.extend(session_door.notice_attention(tx, ev.id, a.id))
    return v


def _record_at(tx: Tx, ev, door, v: Verdict, **kw) -> Verdict:
    v = _record(tx, ev, v, **kw)
    if door is not None:
        session_door.tie_scan(tx, v.scan_id, door.id)
    return v


def _record(tx: Tx, ev, v: Verdict, *, desk: str, who: str, method: str, raw: str, raw_hash: str,
            now: datetime) -> Verdict:
    """Apply the verdict's change to `attendance`, append the scan to the (chained) log, add the audit entry."""
    v.scan_id = int(tx.scalar(NEXT_SCAN_ID[tx.sqlite]))
    v.at, v.tz = now, ev.tz  # the desk shows the verdict's time in office time (issue 16)
    if v.write is not None:
        v.write(v.scan_id)
        v.write = None
    if v.reason == "ok" and ev.status == "ready":  # issue 11: the first admission starts the event
        tx.run(START_EVENT, id=ev.id)
        if tx.cur.rowcount == 1:
            audit.record(tx, actor=who, action="event.status", object_type="event", object_id=ev.id,
                         event_id=ev.id, before={"status": "ready"}, after={"status": "in_progress"},
                         why="first admission", scan_id=v.scan_id, desk=desk)
    audit.append_scan(tx, id=v.scan_id, event_id=ev.id, attendee_id=(v.attendee or {}).get("id"), desk=desk,
                      actor=who, at=now, direction=v.direction, method=method, raw=safe_raw(raw), raw_hash=raw_hash,
                      status="ok" if v.ok else "refused", reason=v.reason,
                      duplicate_of=v.details.get("duplicate_of") if v.duplicate else None)
    audit.record(tx, actor=who, action=f"checkin.{'exit' if v.direction == 'out' else 'scan'}",
                 object_type="attendee" if v.attendee else "scan",
                 object_id=(v.attendee or {}).get("id", v.scan_id), event_id=ev.id, desk=desk, method=method,
                 reason=v.reason, scan_id=v.scan_id, duplicate=v.duplicate)
    return v



def manual(event_id: int, attendee_id: int, *, desk: str, actor, direction: str = "in",
           now: datetime | None = None, url: str | None = None, session_id: int | None = None) -> Verdict:
    """Admit (or let out) a person found by name + ID digits (a lost badge): logged with method 'manual'."""
    return _by_person(event_id, attendee_id, desk=desk, actor=actor, direction=direction, now=now, url=url,
                      session_id=session_id)


def _by_person(event_id: int, attendee_id: int, *, desk: str, actor, direction: str = "in",
               now: datetime | None = None, url: str | None = None, method: str = "manual",
               override: dict | None = None, session_id: int | None = None) -> Verdict:
    """A person known by id at the desk (look-up, take-back, supervisor's override). `override` (the
    supervisor, the reason, the copies) lets a person out whatever they hold, audited in the exit's
    transaction."""
    who = actor_name(actor)
    if direction not in ("in", "out"):
        raise ValidationFailed("direction must be in or out", key="checkin.bad_direction", field="direction")
    now = now or utcnow()
    raw = f"{method}:{attendee_id}"
    held = exit_guard.read_holds(url, event_id, attendee_id, _exit_holds) \
        if direction == "out" and override is None else []

    def judge(tx: Tx) -> Verdict:
        d, ev = registered_and_event(tx, desk, event_id)
        ev = _found(ev, event_id)
        door = session_door.load(tx, ev, session_id) if session_id is not None else None
        a = tx.one(Q_PERSON, id=attendee_id)
        if direction == "in" and ev.status not in DESK_STATUSES:  # issue 11
            v = Verdict(reason="event_not_ready", details={"status": ev.status})
        elif a is None or a.event_id != ev.id:
            v = Verdict(reason="not_on_list")
        else:
            _badge_generation(tx, ev.id, a.id)  # the same per-badge lock as a scan
            v = _at_door(tx, ev, door, a, desk=d, direction=direction, now=now, held=held)
            if v.reason == "ok":
                v.require_attention.insert(0, {"code": "manual", "text": both("checkin.attention.manual")})
        v.direction = direction
        v = _record_at(tx, ev, door, v, desk=d, who=who, method=method, raw=raw, raw_hash=hash_raw(raw), now=now)
        if override is not None and v.reason == "exit_ok":
            audit.record(tx, actor=override["supervisor"], action="checkin.exit_override", object_type="attendee",
                         object_id=attendee_id, event_id=ev.id, desk=d, desk_actor=who, scan_id=v.scan_id,
                         reason=override["reason"], copies=override["copies"])
        return v

    return _with_retries(url, judge, event_id)


# the desk's helpers a session's door uses (planners.checkin.door), handed in so the modules import one way only
from types import SimpleNamespace  # noqa: E402

_KIT = SimpleNamespace(eligibility=_eligibility, held_locker=_held_locker, next_locker=_next_locker,
                       entry_attention=_entry_attention, approved_list_refusal=_approved_list_refusal)
