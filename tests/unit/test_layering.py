"""planners/ is the pure core: it never imports streamlit. Pages hold no SQL."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_planners_never_import_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "planners").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_pages_do_not_talk_sql_directly():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py")
                 if {"sqlalchemy", "sqlite3"} & _imports(p)]
    assert offenders == []
