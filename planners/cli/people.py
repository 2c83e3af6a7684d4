"""CLI of the people register (issue 13): `conclave people [--json]`, `conclave people show ID --json`,
`conclave people template --out FILE.csv|FILE.xlsx`, `conclave people import FILE [--dry-run] --as NAME`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from planners.core.errors import ConclaveError
from planners.core.textsafe import printable

EXIT_REFUSED = 3


def _cli():
    from planners.cli import common

    return common


def _date(v):
    return None if v is None else v.isoformat()


def person_json(p) -> dict:
    return {"id": p.id, "name": p.name, "unit": p.unit, "post": p.post, "id_type": p.id_type,
            "id_last4": p.id_last4, "nationality": p.nationality, "employer_type": p.employer_type,
            "level": p.level, "vetted_level": p.vetted_level, "person_class": p.person_class, "status": p.status,
            "decommission_until": _date(p.decommission_until), "barred": p.barred,
            "barred_until": _date(p.barred_until), "pledge_until": _date(p.pledge_until),
            "training_until": _date(p.training_until), "vetted_by": p.vetted_by, "vetted_at": _date(p.vetted_at),
            "version": p.version}


def register(main) -> None:
    @main.group("people", invoke_without_command=True)
    @click.option("--json", "as_json", is_flag=True, help="print the register as JSON")
    @click.option("--lang", default="en", type=click.Choice(["zh_CN", "en"]))
    @click.pass_context
    def people_cmd(ctx, as_json: bool, lang: str) -> None:
        """The unit's people register (涉密人员): list it, show one person, import it, write the template."""
        if ctx.invoked_subcommand is not None:
            return
        from planners import people
        from planners.core.i18n import t
        from planners.store.uow import read

        _cli().ensure_db()
        with read() as s:
            rows = [person_json(p) for p in people.all_people(s)]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            click.echo(t("people.cli_empty", lang))
            return
        for r in rows:
            flags = " ".join(x for x in (
                t(f"people.status.{r['status']}", lang) if r["status"] != "active" else "",
                t("people.cli_barred", lang, until=r["barred_until"]) if r["barred"] else "") if x)
            click.echo(printable(f"#{r['id']:<5} {r['name']} · {r['unit']} · {r['id_type']} …{r['id_last4']} · "
                                 f"{r['level']} · {r['person_class']} · pledge {r['pledge_until'] or '-'} · "
                                 f"training {r['training_until'] or '-'} {flags}".rstrip()))

    @people_cmd.command("show")
    @click.argument("person_id", type=int)
    @click.option("--json", "as_json", is_flag=True, help="print as JSON (with pledges, trainings, bars, history)")
    @click.option("--lang", default="en", type=click.Choice(["zh_CN", "en"]))
    def show(person_id: int, as_json: bool, lang: str) -> None:
        """One person with pledges, trainings, bars and history."""
        from planners import people
        from planners.store.uow import read

        _cli().ensure_db()
        try:
            with read() as s:
                p = people.get(s, person_id)
                out = person_json(p)
                out["pledges"] = [{"kind": x.kind, "version": x.version, "signed_on": _date(x.signed_on),
                                   "expires_on": _date(x.expires_on)} for x in people.pledges(s, p.id)]
                out["trainings"] = [{"stage": x.stage, "course": x.course, "taken_on": _date(x.taken_on),
                                     "hours": x.hours, "expires_on": _date(x.expires_on)}
                                    for x in people.trainings(s, p.id)]
                out["bars"] = [{"id": b.id, "reason": b.reason, "ends_on": _date(b.ends_on), "by": b.barred_by,
                                "lifted": b.lifted_at is not None} for b in people.bars(s, p.id)]
                out["history"] = [{"at": h.at.isoformat(timespec="seconds"), "actor": h.actor, "action": h.action,
                                   "field": h.field, "before": h.before, "after": h.after, "reason": h.reason}
                                  for h in people.history(s, p.id)]
        except ConclaveError as exc:
            click.echo(printable(f"refused: {exc.localized(lang)}"), err=True)
            sys.exit(EXIT_REFUSED)
        if as_json:
            click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            for k, v in out.items():
                if not isinstance(v, list):
                    click.echo(printable(f"{k}: {v}"))
            for k in ("pledges", "trainings", "bars", "history"):
                click.echo(f"{k}:")
                for item in out[k]:
                    click.echo(printable("  " + " · ".join(f"{a}={b}" for a, b in item.items())))

    @people_cmd.command("template")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="FILE.csv or FILE.xlsx")
    @click.option("--lang", default="zh_CN", type=click.Choice(["zh_CN", "en"]), help="header language")
    def template(out: Path, lang: str) -> None:
        """Write the register's import template (Chinese and English headers are both accepted on import)."""
        from planners.people import importer

        kind = out.suffix.lower().lstrip(".")
        if kind not in ("csv", "xlsx"):
            click.echo("error: --out must end in .csv or .xlsx", err=True)
            sys.exit(2)
        out.write_bytes(importer.template_bytes(kind, lang))
        click.echo(f"template written to {out}")

    @people_cmd.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="check only, write nothing")
    @click.option("--lang", default="en", type=click.Choice(["zh_CN", "en"]))
    @_cli().as_option("the security officer; its password is asked for (or CONCLAVE_PASSWORD)")
    def import_cmd(file: Path, dry_run: bool, lang: str, as_name: str) -> None:
        """Import people from CSV/XLSX, all or nothing: exit 0 imported (or a clean dry run), 3 refused."""
        from planners.people import importer
        from planners.store.uow import write_session

        actor = _cli().sign_in(as_name, "people import", lang=lang)
        try:
            with write_session() as s:
                rep = importer.import_file(s, file.name, file.read_bytes(), actor=actor, dry_run=dry_run)
        except ConclaveError as exc:
            click.echo(printable(f"refused: {exc.localized(lang)}"), err=True)
            sys.exit(EXIT_REFUSED)
        for line in rep.lines(lang):
            click.echo(printable(line))
        if dry_run:
            click.echo("dry run: nothing written" if lang == "en" else "试运行：未写入任何内容")
            sys.exit(0 if not rep.problems else EXIT_REFUSED)
        if not rep.written:
            click.echo("refused: nothing written (fix the rows above)" if lang == "en"
                       else "已拒绝：未写入任何内容（请更正以上各行）", err=True)
            sys.exit(EXIT_REFUSED)

    @people_cmd.command("export")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="FILE.csv or FILE.pdf (涉密人员名册, marked with its level)")
    @click.option("--lang", default="zh_CN", type=click.Choice(["zh_CN", "en"]))
    @_cli().as_option("the security officer or a leader; its password is asked for (or CONCLAVE_PASSWORD)")
    def export_cmd(out: Path, lang: str, as_name: str) -> None:
        """Export the register as CSV or PDF."""
        from planners.people import export
        from planners.store.uow import write_session

        kind = out.suffix.lower().lstrip(".")
        if kind not in ("csv", "pdf"):
            click.echo("error: --out must end in .csv or .pdf", err=True)
            sys.exit(2)
        actor = _cli().sign_in(as_name, "people export", lang=lang)
        try:
            with write_session() as s:
                data, _name = export.export(s, kind, actor=actor, lang=lang)
        except ConclaveError as exc:
            click.echo(printable(f"refused: {exc.localized(lang)}"), err=True)
            sys.exit(EXIT_REFUSED)
        out.write_bytes(data)
        click.echo(f"written to {out}")
