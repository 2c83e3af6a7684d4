"""`conclave desk sync LOG` (issue 15): merge an offline desk's log into the server, and the paper fallback's
CSV of entries made by hand.

The log is checked whole first (planners.checkin.offline.read_log: a gap, an inserted, reordered or altered entry
refuses it, nothing merged) and its pack is verified with the event key the server holds. Then each scan is
replayed in time order through the desk's own path (planners.checkin.desk: the same verdicts, the scan log and the
audit trail, method `offline`, at the time it was made). An entry already merged (its hash is in
`offline_entries`, or the scan log holds it) is left alone, so a second sync changes nothing. The outcome of each:
`merged`; `duplicate` (admitted offline, and the server already had the person inside: an entry it already had);
`conflict` (admitted offline, but the server refuses it, e.g. the badge had been revoked meanwhile: a finding for
the organizer on the home page and an audit entry); `refused` (refused offline too)."""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from planners.base import audit
from planners.checkin.desk import manual, scan
from planners.checkin.offline import MAIN, read_log, read_pack
from planners.core.clock import zone
from planners.core.errors import NotFound, OfflinePackRefused, PaperEntriesRefused
from planners.core.i18n import both
from planners.store import uow
from planners.store.models import Attendee, Event
from planners.store.models_checkin import Attendance, EventKey, Scan
from planners.store.models_sessions import EventSession, OfflineEntry

DUPLICATE_REASONS = ("already_checked_in", "same_badge_again", "not_inside")
BATCH = 500


@dataclass
class SyncResult:
    event_id: int
    counts: dict = field(default_factory=lambda: {"merged": 0, "duplicate": 0, "conflict": 0, "refused": 0,
                                                  "seen": 0})
    conflicts: list[dict] = field(default_factory=list)

    def message(self) -> dict[str, str]:
        return both("offline.synced", **self.counts)


def _outcome(offline_reason: str, server_reason: str) -> str:
    if offline_reason in ("ok", "exit_ok"):
        if server_reason in ("ok", "exit_ok"):
            return "merged"
        if server_reason in DUPLICATE_REASONS:
            return "duplicate"
        return "conflict"
    return "refused"


def _known(url: str | None, ids: list[str]) -> set[str]:
    out: set[str] = set()
    with uow.read(url) as s:
        for i in range(0, len(ids), 900):
            out.update(s.scalars(select(OfflineEntry.entry_id).where(OfflineEntry.entry_id.in_(ids[i:i + 900]))))
    return out


def _in_scan_log(url: str | None, event_id: int, entries: list[dict]) -> dict[tuple, int]:
    """Replays that were recorded but whose ledger row was not (a crash between the two), found in the scan log
    in one read: (desk, raw hash, time) -> scan id."""
    if not entries:
        return {}
    lo = min(datetime.fromisoformat(e["at"]) for e in entries)
    with uow.read(url) as s:
        rows = s.execute(select(Scan.id, Scan.desk, Scan.raw_hash, Scan.at).where(
            Scan.event_id == event_id, Scan.method == "offline", Scan.at >= lo)).all()
    return {(r.desk, r.raw_hash, r.at): r.id for r in rows}


def _desks_registered(url: str | None, names: set[str]) -> None:
    """Every desk the entries name is registered, checked before anything is merged (planners.checkin.devices)."""
    from planners.checkin.devices import get_desk
    from planners.core.errors import DeskNotRegistered

    with uow.read(url) as s:
        for n in sorted(names):
            if get_desk(s, n) is None:
                raise DeskNotRegistered(f"desk {n!r} is not registered", desk=n, name=n)


def _flush(url: str | None, rows: list[dict], actor: str, event_id: int, res: SyncResult) -> None:
    if not rows:
        return
    with uow.write_session(url) as s:
        for r in rows:
            s.add(OfflineEntry(**r, synced_by=actor))
            if r["outcome"] == "conflict":
                audit.record(s, actor=actor, action="desk.offline_conflict", object_type="attendee",
                             object_id=r["attendee_id"] or "", event_id=event_id, entry=r["entry_id"][:16],
                             at=r["at"].isoformat(), offline=r["offline_reason"], server=r["server_reason"],
                             scan_id=r["scan_id"])
        s.flush()
    rows.clear()


def _adopt_locker(url: str | None, event_id: int, v, locker: str, *, at: datetime, actor: str, entry: str) -> None:
    """The phone is in the locker the offline desk named: the server's entry takes that number (audited) instead of
    the one its own replay chose. Should another person hold that locker on the server meanwhile, the server's
    number stays and the clash is an audit entry naming both, so the organizer can sort the lockers out."""
    chosen = next((a.get("locker") for a in v.require_attention if a.get("code") == "locker"), None)
    if chosen == locker:
        return
    aid = v.attendee["id"]
    with uow.write_session(url) as s:
        att = s.scalar(select(Attendance).where(Attendance.event_id == event_id, Attendance.attendee_id == aid))
        if att is None or not att.inside:
            return
        clash = s.scalar(select(Attendance.attendee_id).where(
            Attendance.event_id == event_id, Attendance.locker == locker, Attendance.device_returned_at.is_(None),
            Attendance.attendee_id != aid))
        if clash is not None:
            audit.record(s, actor=actor, action="desk.offline_locker_clash", object_type="attendee", object_id=aid,
                         event_id=event_id, entry=entry[:16], offline_locker=locker, server_locker=chosen,
                         held_by=clash)
            return
        before = att.locker
        att.locker, att.device_deposited_at, att.device_returned_at = locker, at, None
        att.locker_no = int(locker) if locker.isdigit() and len(locker) < 9 else None
        audit.record(s, actor=actor, action="checkin.locker", object_type="attendee", object_id=aid,
                     event_id=event_id, before={"locker": before}, after={"locker": locker}, source="offline",
                     entry=entry[:16])


def sync_log(log_path, *, actor: str, url: str | None = None, now: datetime | None = None) -> SyncResult:
    """Merge the log at `log_path` into the server (see the module's docstring)."""
    from planners.checkin.verdict import hash_raw

    header, entries = read_log(log_path)
    pack_text = header.get("pack_text", "")
    first = read_pack(pack_text, check_validity=False)
    with uow.read(url) as s:
        ek = s.get(EventKey, first.event_id)
        if ek is None or s.get(Event, first.event_id) is None:
            raise OfflinePackRefused("no such event", problem=both("offline.problem.unknown_key"), code="unknown_key")
        pub = bytes(ek.public_key)
    pack = read_pack(pack_text, public_key=pub, check_validity=False)
    _desks_registered(url, {e.get("desk") or header.get("desk") or "offline" for e in entries})
    res = SyncResult(event_id=pack.event_id)
    known = _known(url, [e["hash"] for e in entries])
    recorded = _in_scan_log(url, pack.event_id, [e for e in entries if e["hash"] not in known])
    pending: list[dict] = []
    for e in sorted(entries, key=lambda e: (e["at"], e["n"])):
        if e["hash"] in known:
            res.counts["seen"] += 1
            continue
        at = datetime.fromisoformat(e["at"])
        door = e.get("door") or MAIN
        session_id = None if door == MAIN else int(door)
        desk, code = e.get("desk") or header.get("desk") or "offline", e.get("code", "")
        if at > pack.valid_until:  # scanned with a pack past its validity: recorded, never merged as an entry
            server_reason, scan_id = "expired_pack", None
        else:
            scan_id = recorded.get((desk, hash_raw(code), at))
            if scan_id is not None:
                server_reason = e["reason"]
            else:
                v = scan(pack.event_id, code, desk=desk, actor=actor, direction=e.get("direction", "in"),
                         method="offline", now=at, url=url, session_id=session_id)
                server_reason, scan_id = v.reason, v.scan_id
                if v.reason == "ok" and e.get("locker"):
                    _adopt_locker(url, pack.event_id, v, e["locker"], at=at, actor=actor, entry=e["hash"])
        outcome = _outcome(e["reason"], server_reason)
        res.counts[outcome] += 1
        row = {"entry_id": e["hash"], "event_id": pack.event_id, "session_id": session_id, "source": "offline",
               "at": at, "attendee_id": e.get("attendee_id"), "offline_reason": e["reason"],
               "server_reason": server_reason, "outcome": outcome, "scan_id": scan_id}
        if outcome == "conflict":
            res.conflicts.append(row)
        pending.append(row)
        if len(pending) >= BATCH:
            _flush(url, pending, actor, pack.event_id, res)
    _flush(url, pending, actor, pack.event_id, res)
    return res


# ---- the paper fallback ----------------------------------------------------------------------------------------

PAPER_COLUMNS = ("attendee_id", "time", "desk")


def read_paper(data: bytes, event_id: int, *, url: str | None = None) -> list[dict]:
    """The rows of a CSV of paper entries (attendee_id, time as office time YYYY-MM-DD HH:MM, desk; optional
    session_id and direction), each checked; a bad row refuses the file with its row number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    cols = [c.strip() for c in (reader.fieldnames or [])]
    if not set(PAPER_COLUMNS) <= set(cols):
        raise PaperEntriesRefused("columns", row=1, problem=both("offline.problem.paper_columns"))
    with uow.read(url) as s:
        ev = s.get(Event, event_id)
        if ev is None:
            raise NotFound(f"No event with id {event_id}.", key="events.not_found", id=event_id)
        listed = set(s.scalars(select(Attendee.id).where(Attendee.event_id == event_id)))
        sessions = set(s.scalars(select(EventSession.id).where(EventSession.event_id == event_id)))
        tz = zone(ev.tz)
    out = []
    for i, raw in enumerate(reader, start=2):
        r = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(r.values()):
            continue
        try:
            aid = int(r["attendee_id"])
        except ValueError:
            aid = -1
        if aid not in listed:
            raise PaperEntriesRefused("person", row=i, problem=both("offline.problem.paper_person", id=r["attendee_id"]))
        try:
            local_t = datetime.strptime(r["time"], "%Y-%m-%d %H:%M").replace(tzinfo=tz)
        except ValueError:
            raise PaperEntriesRefused("time", row=i, problem=both("offline.problem.paper_time", value=r["time"][:40])) from None
        direction = (r.get("direction") or "in").lower()
        if direction not in ("in", "out"):
            raise PaperEntriesRefused("direction", row=i, problem=both("offline.problem.paper_direction"))
        sid = r.get("session_id") or ""
        if sid and (not sid.isdigit() or int(sid) not in sessions):
            raise PaperEntriesRefused("session", row=i, problem=both("offline.problem.no_session", session=sid[:20]))
        at = local_t.astimezone(zone("UTC")).replace(tzinfo=None)
        key = f"paper|{event_id}|{aid}|{at.isoformat()}|{r['desk']}|{sid}|{direction}"
        out.append({"attendee_id": aid, "at": at, "desk": r["desk"][:64], "session_id": int(sid) if sid else None,
                    "direction": direction, "entry_id": hashlib.sha256(key.encode()).hexdigest()})
    return sorted(out, key=lambda r: r["at"])


def sync_paper(data: bytes, event_id: int, *, actor: str, url: str | None = None) -> SyncResult:
    """Enter the paper sign-in sheet's result afterwards: each row a manual entry at its time (method `manual`,
    ledger source `paper`); a second import of the same file changes nothing."""
    rows = read_paper(data, event_id, url=url)
    _desks_registered(url, {r["desk"] for r in rows})
    res = SyncResult(event_id=event_id)
    known = _known(url, [r["entry_id"] for r in rows])
    pending: list[dict] = []
    for r in rows:
        if r["entry_id"] in known:
            res.counts["seen"] += 1
            continue
        v = manual(event_id, r["attendee_id"], desk=r["desk"], actor=actor, direction=r["direction"], now=r["at"],
                   url=url, session_id=r["session_id"])
        outcome = "merged" if v.ok else ("duplicate" if v.reason in DUPLICATE_REASONS else "conflict")
        res.counts[outcome] += 1
        row = {"entry_id": r["entry_id"], "event_id": event_id, "session_id": r["session_id"], "source": "paper",
               "at": r["at"], "attendee_id": r["attendee_id"], "offline_reason": "ok", "server_reason": v.reason,
               "outcome": outcome, "scan_id": v.scan_id}
        if outcome == "conflict":
            res.conflicts.append(row)
        pending.append(row)
    _flush(url, pending, actor, event_id, res)
    return res


