"""`conclave approvals submit EVENT plan|list --as USER` and `conclave approvals decide ITEM approve|return|reject
--as USER --comment TEXT` (issue 11): the leader sign-off from a script. A refusal exits 3 with the reason.
A visit's request and its disclosure scope are one decision (issue 16): either item's number decides both."""
from __future__ import annotations

import json

import click

from planners.core.errors import ConclaveError

DECISIONS = {"approve": "approved", "return": "returned", "reject": "rejected"}


def register(main) -> None:
    from planners.cli.common import EXIT_REFUSED, as_option, sign_in

    def refuse(exc: ConclaveError, lang: str) -> None:
        import sys

        click.echo(f"refused: {exc.localized(lang)}", err=True)
        sys.exit(EXIT_REFUSED)

    @main.group("approvals")
    def approvals_group() -> None:
        """Submit an event's security plan or attendee list to a leader, and decide it."""

    @approvals_group.command("submit")
    @click.argument("event", type=int)
    @click.argument("what", type=click.Choice(("plan", "list")))
    @as_option("the event's organizer; its password is asked for (or CONCLAVE_PASSWORD)")
    @click.option("--comment", default="")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--lang", default="en", type=click.Choice(("en", "zh_CN")))
    def submit_cmd(event: int, what: str, as_name: str, comment: str, as_json: bool, lang: str) -> None:
        """Submit the plan or the list as it stands (a new version, frozen with its SHA-256)."""
        from planners.plan import signoff
        from planners.store.uow import write_session

        actor = sign_in(as_name, "approvals submit", lang=lang)
        try:
            with write_session() as s:
                item = signoff.submit(s, event, what, actor=actor, comment=comment)
                q = signoff.queue_diff(s, item.id)
                out = {"item": item.id, "kind": item.kind, "status": item.status, "version": q["version"],
                       "hash": q["hash"], "diff": q["diff"]}
        except ConclaveError as exc:
            refuse(exc, lang)
        if as_json:
            click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            click.echo(f"item {out['item']}: {out['kind']} version {out['version']} submitted "
                       f"(SHA-256 {out['hash']})")

    @approvals_group.command("decide")
    @click.argument("item", type=int)
    @click.argument("decision", type=click.Choice(tuple(DECISIONS)))
    @as_option("a leader; their password is asked for (or CONCLAVE_PASSWORD)")
    @click.option("--comment", default="", help="required to return or reject")
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--lang", default="en", type=click.Choice(("en", "zh_CN")))
    def decide_cmd(item: int, decision: str, as_name: str, comment: str, as_json: bool, lang: str) -> None:
        """Decide an item of the leader queue (nobody decides their own; 绝密 needs two different leaders). A visit's
        request and its disclosure scope are decided together: either item's number decides both."""
        from planners.base import approvals
        from planners.store.models import Approval
        from planners.store.uow import write_session
        from planners.visits import decision as visit_decision

        actor = sign_in(as_name, "approvals decide", lang=lang)
        try:
            with write_session() as s:
                found = s.get(Approval, item)
                vid = visit_decision.visit_of(s, found) if found is not None else None
                if vid is not None:  # issue 16: a visit's request and its scope, one decision
                    ids = visit_decision.card(s, vid).item_ids or (item,)
                    visit_decision.decide_visit(s, vid, DECISIONS[decision], leader=actor, comment=comment)
                    decided = [s.get(Approval, i) for i in ids]
                else:
                    decided = [approvals.decide(s, item, DECISIONS[decision], leader=actor, comment=comment)]
                out = [{"item": a.id, "kind": a.kind, "status": a.status, "decided_by": a.decided_by}
                       for a in decided]
        except ConclaveError as exc:
            refuse(exc, lang)
        if as_json:
            click.echo(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=2))
        else:
            for o in out:
                click.echo(f"item {o['item']}: {o['status']}")
