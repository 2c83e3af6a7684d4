"""UI strings in en and zh_CN, from data/locales/<lang>/*.yaml (one file per area, nested keys).

Pure Python; pages call it through pages/ui.py's t(), which supplies the session's language."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from planners.core import compiled
from planners.core.config import LOCALES_DIR

LANGS = ("zh_CN", "en")
DEFAULT_LANG = "zh_CN"


def _flatten(prefix: str, node, out: dict[str, str], origin: Path) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out, origin)
    else:
        if prefix in out:
            raise ValueError(f"{origin}: locale key {prefix!r} is defined twice")
        out[prefix] = "" if node is None else str(node)


def _parse(files: list[tuple[Path, bytes]]) -> dict[str, str]:
    import yaml  # only when the compiled copy below is missing or stale: 10 ms of import a command need not pay

    # libyaml's loader when PyYAML has it (it has, in the pinned wheels): the pure-Python one took 0.45 s of CPU
    # to read the locales, paid by every command and every app start (issue 17).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: dict[str, str] = {}
    for f, raw in files:
        data = yaml.load(raw.decode("utf-8"), Loader=loader) or {}
        _flatten("", data, out, f)
    return out


@lru_cache(maxsize=None)
def catalogue(lang: str, root: str | None = None) -> dict[str, str]:
    """The flattened catalogue of `lang`. Parsing the YAML cost 30 ms of CPU at every command and app start; the
    result is kept compiled next to the folders, named by the files' contents (planners.core.compiled)."""
    base = Path(root) if root else LOCALES_DIR
    files = [(f, f.read_bytes()) for f in sorted((base / lang).glob("*.yaml"))]
    key = compiled.digest((f.name, raw) for f, raw in files)
    out = compiled.read(base, lang, key)
    if isinstance(out, dict):
        return out
    out = _parse(files)
    compiled.write(base, lang, key, out)
    return out


def t(key: str, lang: str = DEFAULT_LANG, /, **params) -> str:
    """Translate `key`; falls back to English, then to the key itself (a test forbids missing keys)."""
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue("en").get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def both(key: str, **params) -> dict[str, str]:
    """The string in every language, e.g. for a Finding's reason. A parameter given as {lang: text} (itself from
    `both`) is put in each language's own words."""
    return {lang: t(key, lang, **{k: (v.get(lang, "") if isinstance(v, dict) else v) for k, v in params.items()})
            for lang in LANGS}


def pick(texts: dict[str, str] | str | None, lang: str) -> str:
    """Choose one language from a bilingual dict as found in rule files ({en:, zh_CN:})."""
    if texts is None:
        return ""
    if isinstance(texts, str):
        return texts
    return texts.get(lang) or texts.get("zh_CN") or texts.get("en") or ""
