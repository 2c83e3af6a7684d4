"""`conclave keys rotate EVENT`: a new signing key for an event; every badge already printed is revoked."""
from __future__ import annotations

import sys

import click


def register(main) -> None:
    @main.group("keys")
    def keys_group() -> None:
        """The events' badge signing keys."""

    @keys_group.command("rotate")
    @click.argument("event_id", type=int)
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="en", show_default=True)
    @click.option("--as", "as_name", required=True, metavar="NAME",
                  help="the event's organizer or an admin; its password is asked for (or read from CONCLAVE_PASSWORD)")
    def rotate_cmd(event_id: int, yes: bool, lang: str, as_name: str) -> None:
        """Make a new signing key for EVENT (the event id `conclave events` lists) when its key file is lost,
        damaged, readable by others or not the event's own. Every badge already printed is revoked: print them
        again with `conclave badges EVENT --out FILE.pdf --as NAME`. Exit 3 when refused."""
        from planners.attendees import key_rotation
        from planners.cli.common import EXIT_REFUSED, sign_in
        from planners.core.errors import ConclaveError
        from planners.core.i18n import t
        from planners.store.uow import write_session

        actor = sign_in(as_name, "keys rotate", lang=lang)
        if not yes and not click.confirm(t("checkin.key_rotate_confirm", lang, event=event_id), default=False):
            click.echo("nothing changed", err=True)
            sys.exit(EXIT_REFUSED)
        try:
            with write_session() as s:
                r = key_rotation.rotate(s, event_id, actor=actor)
        except ConclaveError as exc:
            click.echo(f"error: {exc.localized(lang)}", err=True)
            sys.exit(EXIT_REFUSED)
        except OSError as exc:  # the keys folder itself cannot be written
            click.echo(f"error: the signing key of event {event_id} could not be written "
                       f"({exc.strerror or type(exc).__name__}); nothing was changed. Check that the keys folder "
                       "(CONCLAVE_KEYS_DIR) is writable by this user.", err=True)
            sys.exit(EXIT_REFUSED)
        click.echo(t("checkin.key_rotated", lang, event=r.event_id, key_id=r.new_key_id, badges=r.badges_revoked))
