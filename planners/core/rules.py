"""Loads and validates the rule catalogues in data/rules/*.yaml.

Rules are data: an organization edits the YAML to its own regulations without touching code. A file with an
unknown key, a missing source, a missing language or a bad value is refused at load, naming the file, the
line, the rule id and what is wrong (RuleFileError); nothing is built from a refused file.

A catalogue file looks like:
    version: 1
    rules:
      - id: B1
        text: {en: "...", zh_CN: "..."}
        source: "实施条例 art. 45(1); 保密法 art. 38"
        ...
Each area declares its fields with `Field` and calls `load_catalogue(name, fields)`."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from planners.core import compiled
from planners.core.config import RULES_DIR
from planners.core.errors import RuleFileError
from planners.core.levels import Classification

LANGS = ("en", "zh_CN")


@dataclass(frozen=True)
class Field:
    """One allowed key of a rule. kind: str, int, bool, list, dict, bilingual, level, enum, any."""

    kind: str = "str"
    required: bool = False
    choices: tuple = ()
    check: Callable[[Any], None] | None = None  # raises ValueError("what is wrong and how to fix it")


COMMON = {
    "id": Field("str", required=True),
    "source": Field("str", required=True),
}


def _check_value(name: str, spec: Field, value: Any) -> str | None:
    k = spec.kind
    if k == "str" and not isinstance(value, str):
        return f"'{name}' must be text"
    if k == "str" and spec.required and not value.strip():
        return f"'{name}' must not be empty"
    if k == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        return f"'{name}' must be a whole number"
    if k == "bool" and not isinstance(value, bool):
        return f"'{name}' must be true or false"
    if k == "list" and not isinstance(value, list):
        return f"'{name}' must be a list"
    if k == "dict" and not isinstance(value, dict):
        return f"'{name}' must be a mapping"
    if k == "bilingual":
        if not isinstance(value, dict):
            return f"'{name}' must have both languages: {{en: ..., zh_CN: ...}}"
        missing = [lang for lang in LANGS if not str(value.get(lang) or "").strip()]
        if missing:
            return f"'{name}' lacks the {' and '.join(missing)} text"
        extra = set(value) - set(LANGS)
        if extra:
            return f"'{name}' has unknown language(s) {', '.join(sorted(extra))}: use en and zh_CN"
    if k == "level":
        try:
            Classification.parse(value)
        except ValueError as exc:
            return f"'{name}': {exc}"
    if k == "enum" and value not in spec.choices:
        return f"'{name}' is {value!r}: use one of {', '.join(map(str, spec.choices))}"
    if spec.check is not None:
        try:
            spec.check(value)
        except ValueError as exc:
            return f"'{name}': {exc}"
    return None


def _node_lines(node) -> tuple[int, dict[str, int]]:
    import yaml

    keys = {}
    if isinstance(node, yaml.MappingNode):
        for knode, _v in node.value:
            keys[str(knode.value)] = knode.start_mark.line + 1
    return node.start_mark.line + 1, keys


def _parse(path: Path, raw: bytes) -> tuple:
    """(document, top-level key -> line, top-level key -> [(line, key -> line) of each item of its list]): what
    the YAML says and where, as plain data. Kept compiled (planners.core.compiled, issue 17): the parse and the
    import of PyYAML are paid once per version of the file; the checks below run at every load."""
    key = compiled.digest([(path.name, raw)])
    kept = compiled.read(path.parent, path.stem, key)
    if isinstance(kept, tuple) and len(kept) == 3:
        return kept
    import yaml

    # libyaml's loader when PyYAML has it: same documents and marks, a tenth of the CPU (issue 17).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = raw.decode("utf-8")
    try:
        node = yaml.compose(text, Loader=loader)
        doc = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise RuleFileError(path.name, "", f"not valid YAML: {getattr(exc, 'problem', exc)}",
                            line + 1 if line is not None else None) from exc
    top_lines = _node_lines(node)[1] if node is not None else {}
    item_lines = {str(k.value): [_node_lines(item) for item in v.value]
                  for k, v in (node.value if isinstance(node, yaml.MappingNode) else ())
                  if isinstance(v, yaml.SequenceNode)}
    parsed = (doc, top_lines, item_lines)
    compiled.write(path.parent, path.stem, key, parsed)  # before the checks add '_line' to the rules
    return parsed


def parse_catalogue(path: Path, fields: dict[str, Field], *, list_key: str = "rules",
                    top_fields: dict[str, Field] | None = None) -> dict:
    """Parse and validate one catalogue file. Returns the whole document; each rule dict gains '_line'."""
    fname = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise RuleFileError(fname, "", f"the file is missing from {path.parent}") from exc
    doc, top_lines, item_lines = _parse(path, raw)
    if not isinstance(doc, dict) or not isinstance(doc.get(list_key), list):
        raise RuleFileError(fname, "", f"the file must be a mapping with a '{list_key}:' list")
    allowed_top = {"version", list_key} | set(top_fields or {})
    for key in doc:
        if key not in allowed_top:
            raise RuleFileError(fname, "", f"unknown top-level key '{key}' (allowed: {', '.join(sorted(allowed_top))})",
                                top_lines.get(str(key)))
    for key, spec in (top_fields or {}).items():
        if key in doc:
            err = _check_value(key, spec, doc[key])
            if err:
                raise RuleFileError(fname, "", err, top_lines.get(key))
        elif spec.required:
            raise RuleFileError(fname, "", f"the top-level key '{key}' is required")
    spec_all = {**COMMON, **fields}
    seen: dict[str, int] = {}
    for rule, (line, key_lines) in zip(doc[list_key], item_lines[list_key]):
        if not isinstance(rule, dict):
            raise RuleFileError(fname, "", "each rule must be a mapping", line)
        rid = str(rule.get("id", "")).strip()
        for key in rule:
            if key not in spec_all:
                raise RuleFileError(fname, rid, f"unknown key '{key}' (allowed: {', '.join(sorted(spec_all))})",
                                    key_lines.get(str(key), line))
        for key, spec in spec_all.items():
            if key not in rule or rule[key] is None:
                if spec.required:
                    raise RuleFileError(fname, rid, f"'{key}' is missing" + (
                        ": every rule cites its legal source or practice" if key == "source" else ""), line)
                continue
            err = _check_value(key, spec, rule[key])
            if err:
                raise RuleFileError(fname, rid, err, key_lines.get(key, line))
        if rid in seen:
            raise RuleFileError(fname, rid, f"the id is used twice (also on line {seen[rid]})", line)
        seen[rid] = line
        rule["_line"] = line
    return doc


@lru_cache(maxsize=None)
def _cached(path: str, mtime: float, fields_key: str):
    return _REGISTRY[fields_key](Path(path))


_REGISTRY: dict[str, Callable[[Path], dict]] = {}


def load_catalogue(name: str, fields: dict[str, Field], *, list_key: str = "rules",
                   top_fields: dict[str, Field] | None = None, rules_dir: Path | None = None) -> dict:
    """Load data/rules/<name>.yaml (re-read when the file changes). Raises RuleFileError."""
    where = rules_dir or RULES_DIR  # read at each call: an office (or a test) may point RULES_DIR elsewhere
    path = _PATHS.get((name, where))
    if path is None:  # issue 17: the path is built once per folder; the file is still looked at (one stat) per call
        path = _PATHS[(name, where)] = str(where / f"{name}.yaml")
    key = f"{name}:{list_key}:{id(fields)}"
    _REGISTRY[key] = lambda p: parse_catalogue(p, fields, list_key=list_key, top_fields=top_fields)
    try:
        mtime = os.stat(path).st_mtime
    except FileNotFoundError:
        mtime = 0.0
    return _cached(path, mtime, key)


_PATHS: dict[tuple, str] = {}
