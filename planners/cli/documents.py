"""`conclave documents …`: reconciliation for scripts, and issue / recover for scripted desks."""
from __future__ import annotations

import json
import sys

import click

from planners.core.errors import ConclaveError

EXIT_OUTSTANDING = 3


def register(main) -> None:
    from planners.cli.common import ensure_db, fail, sign_in

    @main.group()
    def documents() -> None:
        """Classified documents: reconciliation and desk movements."""

    @documents.command("reconcile")
    @click.argument("event_id", type=int)
    @click.option("--json", "as_json", is_flag=True, help="Print every copy with its state and holder as JSON.")
    @click.option("--session", "session_id", type=int, default=None,
                  help="Only the copies issued for this session of the event (issue 15).")
    def reconcile_cmd(event_id: int, as_json: bool, session_id: int | None) -> None:
        """Every copy of EVENT_ID with its state and holder; exit 0 when nothing is outstanding, 3 otherwise."""
        from planners import documents as docs
        from planners.base.events import get_event
        from planners.store.uow import read as read_session

        ensure_db()
        try:
            with read_session() as s:
                get_event(s, event_id)
                rec = docs.reconcile(s, event_id, session_id=session_id)
        except ConclaveError as exc:
            fail(exc)
        if as_json:
            click.echo(json.dumps({"event_id": event_id, "session_id": session_id, "counts": rec.counts, "outstanding": len(rec.outstanding),
                                   "lost": len(rec.lost), "clean": rec.clean,
                                   "copies": [r.as_json() for r in rec.rows]}, ensure_ascii=False, indent=1))
        else:
            for r in rec.rows:
                click.echo(f"{r.code:<16} {r.control_no:<20} {r.number:>3}/{r.total:<3} {r.state:<13} {r.holder_name}")
            click.echo(" ".join(f"{k}={v}" for k, v in rec.counts.items()))
        sys.exit(EXIT_OUTSTANDING if rec.outstanding else 0)

    @documents.command("issue")
    @click.argument("event_id", type=int)
    @click.argument("code")
    @click.argument("attendee_id", type=int)
    @click.option("--as", "username", required=True, metavar="NAME",
                  help="The desk's (or the organizer's) account; its password is asked for (or CONCLAVE_PASSWORD).")
    @click.option("--desk", default="")
    @click.option("--ack", default="", help="Signature / acknowledgement text.")
    @click.option("--session", "session_id", type=int, default=None,
                  help="Issue it for this session of the event (at its door): its level and list apply (issue 15).")
    def issue_cmd(event_id: int, code: str, attendee_id: int, username: str, desk: str, ack: str,
                  session_id: int | None) -> None:
        """Issue copy CODE to ATTENDEE_ID (refused with the reason: exit 3)."""
        from planners import documents as docs
        from planners.store.uow import write_session

        actor = sign_in(username, "documents issue")
        try:
            with write_session() as s:
                e = docs.issue_copy(s, event_id, code, attendee_id, actor=actor, desk=desk,
                                    acknowledgement=ack, session_id=session_id)
                holder = e.holder_name
        except docs.CustodyRefused as exc:
            fail(exc, EXIT_OUTSTANDING)
        except ConclaveError as exc:
            fail(exc)
        click.echo(f"issued {code} to {holder}")

    @documents.command("recover")
    @click.argument("event_id", type=int)
    @click.argument("code")
    @click.option("--from", "attendee_id", type=int, default=None, help="The attendee returning it (the holder).")
    @click.option("--as", "username", required=True, metavar="NAME",
                  help="The desk's (or the organizer's) account; its password is asked for (or CONCLAVE_PASSWORD).")
    @click.option("--desk", default="")
    def recover_cmd(event_id: int, code: str, attendee_id: int | None, username: str, desk: str) -> None:
        """Take copy CODE back (refused with the reason: exit 3)."""
        from planners import documents as docs
        from planners.store.uow import write_session

        actor = sign_in(username, "documents recover")
        try:
            with write_session() as s:
                e = docs.recover_copy(s, event_id, code, attendee_id, actor=actor, desk=desk)
                holder = e.holder_name
        except docs.CustodyRefused as exc:
            fail(exc, EXIT_OUTSTANDING)
        except ConclaveError as exc:
            fail(exc)
        click.echo(f"recovered {code} from {holder}")
