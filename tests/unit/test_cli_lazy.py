"""The command line loads lazily (issue 17): `conclave --help` imports neither SQLAlchemy nor an area, every
command of COMMANDS is found in the module the table names, and the values repeated for --help stay equal to
their source."""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_help_lists_every_command_without_loading_an_area():
    loaded = _modules_after(
        "from planners.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    heavy = {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "alembic", "argon2", "cryptography", "pandas",
                                                       "fpdf", "yaml", "streamlit")}
    assert not heavy, f"`conclave --help` imported {sorted(heavy)[:8]}"
    assert "planners.wiring" not in loaded and "planners.base.auth" not in loaded


def _modules(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _registered(main_mod, modules) -> click.Group:
    """What the modules register, in order, on a group holding main's own commands (a module may extend or
    wrap what is there, as `events` and the desk's offline commands do)."""
    scratch = click.Group(commands={n: c for n, c in main_mod.main.commands.items() if n not in main_mod.COMMANDS
                                    or n == "events"})
    for module_path in modules:
        __import__(module_path, fromlist=["register"]).register(scratch)
    return scratch


def test_every_table_entry_names_the_module_that_registers_it():
    main_mod = importlib.import_module("planners.cli.main")  # the module (planners.cli.main is the group)

    for name, value in main_mod.COMMANDS.items():
        scratch = _registered(main_mod, _modules(value))
        assert name in scratch.commands, f"{value} register() does not define `{name}`"
    grp = main_mod.main
    ctx = click.Context(grp)
    assert set(main_mod.COMMANDS) <= set(grp.list_commands(ctx))
    assert all(grp.get_command(ctx, n) is not None for n in grp.list_commands(ctx))
    # every command a module registers is in the table (a command missing from it would vanish from the CLI)
    own = set(main_mod.main.commands) - set(main_mod.COMMANDS)
    for value in main_mod.COMMANDS.values():
        scratch = _registered(main_mod, _modules(value))
        assert set(scratch.commands) - own <= set(main_mod.COMMANDS), value


def test_values_repeated_for_help_equal_their_source():
    from planners.base import auth
    main_mod = importlib.import_module("planners.cli.main")
    from planners.cli import plan as cli_plan
    from planners.plan import export

    assert tuple(auth.ROLES) == main_mod.ROLES
    assert tuple(export.FORMATS) == cli_plan.FORMATS


def test_schema_heads_read_without_alembic_equal_alembics():
    from planners.store import schema

    assert set(schema._script_heads()) == schema.head_revisions()


def test_the_one_line_read_of_a_migrations_revisions_equals_pythons():
    """issue 17: the heads are read from the two plain lines (1 ms), not by parsing every file (15 ms); the
    lines' reading equals the parse for every migration, and anything unusual falls back to the parse."""
    from planners.store import schema

    for f in sorted((schema.MIGRATIONS / "versions").glob("*.py")):
        source = f.read_text(encoding="utf-8")
        assert schema._revision_lines(source) == schema._revision_assignments(source), f.name
    two_lines = 'revision = "x"\ndown_revision = (\n    "a",\n    "b",\n)\n'
    assert schema._revision_lines(two_lines) is None
    assert schema._revision_assignments(two_lines) == {"revision": "x", "down_revision": ("a", "b")}
    annotated = 'revision: str = "x"\ndown_revision: Union[str, None] = "w"  # before\n'
    assert schema._revision_lines(annotated) == {"revision": "x", "down_revision": "w"}
    assert schema._revision_lines('revision = "x"\nrevision = "y"\ndown_revision = None\n') is None


def test_every_cli_module_is_reachable_from_the_table():
    """A new command module must be named in COMMANDS, or `conclave` would silently lack its commands (a module
    left out of the table is how `conclave locations` went missing once)."""
    from planners.core.config import ROOT

    main_mod = importlib.import_module("planners.cli.main")
    named = {m for v in main_mod.COMMANDS.values() for m in _modules(v)}
    own = set(main_mod.main.commands) - set(main_mod.COMMANDS)
    for path in sorted((ROOT / "planners" / "cli").glob("*.py")):
        module_path = f"planners.cli.{path.stem}"
        if path.stem in ("__init__", "main", "common"):
            continue
        assert module_path in named, f"{module_path} is not in planners/cli/main.py's COMMANDS"
        before = ("planners.cli.desk",) if path.stem == "sessions" else ()
        scratch = _registered(main_mod, (*before, module_path))
        assert set(scratch.commands) - own <= set(main_mod.COMMANDS), module_path


# issue 17: `conclave scan` (a scripted desk) loads the desk's path only
_NOT_FOR_A_SCAN = ("streamlit", "fpdf", "docx", "openpyxl", "altair", "pandas", "numpy", "PIL", "icalendar",
                   "alembic", "planners.documents", "planners.plan", "planners.visits", "planners.trips",
                   "planners.people", "planners.venues", "planners.exports.pdf", "planners.exports.word",
                   "planners.base.demo", "planners.base.home")


def _scan_modules(db_url: str, keys: str, code: str, *extra: str) -> tuple[dict, set[str]]:
    """Run `conclave scan` in a fresh interpreter (as a script would) and return its JSON verdict and the
    modules it had loaded when it ended."""
    probe = ("import sys, json\nfrom planners.cli.main import main\n"
             f"try:\n    main({['scan', *extra, '--json', '--as', 'front_desk']!r})\n"
             "except SystemExit:\n    pass\n"
             "print(json.dumps(sorted(sys.modules)))")
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=db_url, CONCLAVE_KEYS_DIR=keys,
               CONCLAVE_PASSWORD="correct-horse-battery")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a script runs it: the parsed YAML is kept (core.compiled)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[0]), set(json.loads(lines[-1]))


def _loaded_of(loaded: set[str], prefixes) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_a_scripted_desk_scan_loads_no_other_area_nor_page_library(db_url, users, tmp_path):
    from tests.checkin.helpers import make_event

    eid, codes = make_event(db_url, users["organizer"], n=2)
    code, first = codes.values()
    keys = os.environ["CONCLAVE_KEYS_DIR"]
    _scan_modules(db_url, keys, first, str(eid), first, "--desk", "north")  # the first run keeps the YAML parsed
    verdict, loaded = _scan_modules(db_url, keys, code, str(eid), code, "--desk", "north")
    assert verdict["reason"] == "ok", verdict  # a real admission, recorded
    assert _loaded_of(loaded, _NOT_FOR_A_SCAN) == []
    assert _loaded_of(loaded, ("yaml",)) == []  # issue 17: locales and rules read from their compiled copies
    assert "planners.checkin.desk" in loaded and "planners.wiring" in loaded  # the table is there, not its areas
    verdict, loaded = _scan_modules(db_url, keys, code, str(eid), code, "--desk", "north", "--exit")
    assert verdict["reason"] == "exit_ok", verdict
    # an exit asks the documents area what to take back (copies still held): that area (with the home's Attention
    # it names), and still no page library nor any other area
    asked = ("planners.documents", "planners.base.home")
    assert _loaded_of(loaded, [p for p in _NOT_FOR_A_SCAN if p not in asked]) == []
    assert "planners.documents.hooks" in loaded


def test_the_conclave_process_collects_its_garbage_less_often_and_not_at_exit():
    """issue 17: as a process (`conclave ...`, main() reading sys.argv) the CLI raises the young generation's
    threshold and freezes the collector at exit (~0.2 s of a scan's CPU); a caller's main([...]) (a test's
    CliRunner, a script) keeps its own collector as it was."""
    probe = ("import gc, sys\nsys.argv = ['conclave', '--help']\nfrom planners.cli.main import main\n"
             "before = gc.get_threshold()\n"
             "try:\n    main({})\nexcept SystemExit:\n    pass\n"
             "print(before == gc.get_threshold(), gc.get_threshold()[0])")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = lambda arg: subprocess.run([sys.executable, "-c", probe.format(arg)], capture_output=True, text=True,  # noqa: E731
                                     env=env, check=True).stdout.split()[-2:]
    assert run("") == ["False", "50000"]
    assert run("['--help']") == ["True", "700"]
