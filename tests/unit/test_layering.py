"""The house keeps its shape: who may import whom, no circles, one wiring table, one exception module.

planners/ is the pure core: it never imports streamlit. pages/ hold no SQL and import no store; page-only helpers
live in pages/parts/ (not routed by Streamlit). core/ imports neither SQLAlchemy nor Streamlit. Only the CLI
imports the CLI. Areas answer hooks through planners/wiring.py, never by patching each other."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLANNERS = ROOT / "planners"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Dotted names a file imports (`from a.b import c` gives a.b and a.b.c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _edges(path: Path, files: dict) -> set[str]:
    """The modules a file's imports load: `from pkg import mod` loads pkg.mod (pkg's facade only when a name of the
    facade itself is imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            mods = [s for s in subs if s in files]
            out.update(mods)
            if len(mods) < len(subs):
                out.add(node.module)
    return out


def _roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imports(path)}


def _planners_files() -> list[Path]:
    return [p for p in PLANNERS.rglob("*.py") if "migrations" not in p.parts]


def test_planners_never_import_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in PLANNERS.rglob("*.py") if "streamlit" in _roots(p)]
    assert offenders == []


def test_core_imports_neither_sqlalchemy_nor_streamlit_nor_any_area():
    offenders = {}
    for p in (PLANNERS / "core").rglob("*.py"):
        bad = {n for n in _imports(p) if n.split(".")[0] in ("sqlalchemy", "streamlit")
               or (n.startswith("planners.") and not n.startswith("planners.core"))}
        if bad:
            offenders[str(p.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_pages_talk_no_sql_and_import_no_store():
    offenders = {}
    for p in (ROOT / "pages").rglob("*.py"):  # the screens and their helpers in pages/parts/
        bad = {n for n in _imports(p) if n.split(".")[0] in ("sqlalchemy", "sqlite3") or n.startswith("planners.store")}
        if bad:
            offenders[str(p.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_page_helpers_live_where_streamlit_does_not_route_them():
    """A fresh server serves every pages/*.py as a page: each must be a screen that guards itself."""
    for p in (ROOT / "pages").glob("*.py"):
        assert "ui.require_role(" in p.read_text(encoding="utf-8"), f"{p.name} is not a guarded screen"
    assert (ROOT / "pages" / "parts" / "ui.py").exists() and not (ROOT / "pages" / "ui.py").exists()


def test_only_the_cli_imports_the_cli():
    offenders = [str(p.relative_to(ROOT)) for p in [*_planners_files(), *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
                 if "planners/cli/" not in str(p) and any(n.startswith("planners.cli") for n in _imports(p))]
    assert offenders == []


def test_no_planners_module_imports_a_page():
    offenders = [str(p.relative_to(ROOT)) for p in _planners_files() if "pages" in _roots(p)]
    assert offenders == []


# issue 17: the CLI's entry point loads each command module on first use from its COMMANDS table (command name ->
# module path) through plain imports inside a function: importlib is allowed nowhere.
LAZY_LOADERS: set[str] = set()


def test_no_importlib_or_pkgutil_in_planners():
    offenders = [str(p.relative_to(ROOT)) for p in _planners_files() if {"importlib", "pkgutil"} & _roots(p)
                 and str(p.relative_to(ROOT)) not in LAZY_LOADERS]
    assert offenders == []


def test_the_lazy_cli_table_names_only_cli_modules():  # issue 17
    tree = ast.parse((ROOT / "planners/cli/main.py").read_text(encoding="utf-8"))
    table = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "COMMANDS")
    paths = set()
    for v in table.values:
        value = ast.literal_eval(v)
        paths.update((value,) if isinstance(value, str) else value)
    assert paths and all(p.startswith("planners.cli.") and (ROOT / (p.replace(".", "/") + ".py")).exists()
                         for p in paths), paths


def _area_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_two_modules_import_each_other_in_a_circle():
    """The import graph of planners/ (every import, also those inside functions) has no cycle."""
    files = {_module_name(p): p for p in _planners_files()}
    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        targets = set()
        for name in _edges(path, files):
            while name and name not in files:
                name = name.rpartition(".")[0]
            if name and name != mod and name != "planners":
                targets.add(name)
        graph[mod] = targets
    # a package's facade (__init__) re-exports its own modules: importing the facade from outside is fine, but
    # an area module must import its siblings directly, never through its own facade (that would be a circle)
    seen, stack, cycles = set(), [], []

    def visit(n: str) -> None:
        if n in stack:
            cycles.append(stack[stack.index(n):] + [n])
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            visit(m)
        stack.pop()

    for n in sorted(graph):
        visit(n)
    assert cycles == []


def test_no_two_areas_import_each_other():
    files = {_module_name(p): p for p in _planners_files()}
    edges: set[tuple[str, str]] = set()
    for mod, path in files.items():
        if mod == "planners.wiring":
            continue  # the one place that imports every area
        a = _area_of(mod)
        for name in _imports(path):
            if name.startswith("planners.") and _area_of(name) not in ("", a):
                edges.add((a, _area_of(name)))
    both_ways = sorted((x, y) for x, y in edges if (y, x) in edges and x < y)
    assert both_ways == []


def test_every_hook_has_its_answers_in_the_wiring_table_and_every_answer_names_a_hook():
    from planners import wiring
    from planners.core import hooks

    assert set(wiring.TABLE) == set(hooks.HOOKS)
    for name, entry in wiring.resolved().items():  # issue 17: each entry is imported when first asked
        answers = [a for lst in entry.values() for a in lst] if hooks.HOOKS[name].keyed else entry
        assert all(callable(a) for a in answers), name


def test_wiring_answers_every_approval_kind_an_area_asks_for():
    from planners import wiring

    asked = set()
    for p in _planners_files():
        text = p.read_text(encoding="utf-8")
        for call in re.findall(r"approvals\.request\((.*?)\)", text, re.S):
            asked.update(re.findall(r"\bkind=\"([a-z_]+)\"", call))
        asked.update(re.findall(r"^[A-Z_]*KIND = \"([a-z_]+)\"", text, re.M))
    kinds = set(wiring.resolved()["on_decision"])
    assert {"document_copy", "document_destruction"} <= asked
    assert asked - kinds == set()


def test_one_exception_module():
    """Every exception class of planners/ is defined in planners/core/errors.py."""
    offenders = []
    for p in _planners_files():
        if p == PLANNERS / "core" / "errors.py":
            continue
        for node in ast.parse(p.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and (b.id.endswith(("Error", "Exception")) or b.id in (
                        "ConclaveError", "NotFound", "ValidationFailed", "PermissionDenied", "InvalidTransition"))
                    for b in node.bases):
                offenders.append(f"{p.relative_to(ROOT)}:{node.name}")
    assert offenders == []


def _conclave_errors():
    from planners.core import errors

    out = []
    for name in dir(errors):
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, errors.ConclaveError):
            out.append(obj)
    return out


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_every_error_class_has_its_message_in_both_languages(lang):
    from planners.core.i18n import t

    missing = [cls.__name__ for cls in _conclave_errors() if t(cls.key, lang) == cls.key]
    assert missing == []


def test_one_audit_writer_and_one_permission_question():
    """Nothing outside base/audit.py inserts into the audit trail, and no module re-types the owner check."""
    owner_check = re.compile(r"role == \"admin\" or \(actor\.role == \"organizer\" and")
    for p in _planners_files():
        text = p.read_text(encoding="utf-8")
        if p.name != "audit.py":
            assert "INSERT INTO audit_entries" not in text, p
        if p.name != "permissions.py":
            assert not owner_check.search(text), f"{p.relative_to(ROOT)} re-types the owner check"


def test_no_module_grows_far_past_the_houses_500_lines():
    """DESIGN.md: no module over ~500 lines, split along the seams its own section comments draw (issue 17 split
    pages/visits.py, planners/checkin/desk.py and planners/people/register.py when they had grown to 525-747)."""
    limit = 530
    big = {str(p.relative_to(ROOT)): n for p in [*PLANNERS.rglob("*.py"), *(ROOT / "pages").rglob("*.py"),
                                                 ROOT / "app.py", ROOT / "offline_app.py"]
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit}
    assert not big, f"split these along their sections: {big}"
