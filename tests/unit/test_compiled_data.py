"""The locale catalogues and rule files are kept compiled next to their folders (issue 17: parsing the YAML cost
30 ms of CPU and the import of PyYAML at every command): the compiled copy is named by the files' contents, so an
edit is read at once, and nothing about what a catalogue says or a rule file is refused for changes."""
from __future__ import annotations

import sys

import pytest

from planners.core import i18n
from planners.core.errors import RuleFileError
from planners.core.rules import Field, parse_catalogue


def _fresh(root, lang="en"):
    i18n.catalogue.cache_clear()
    try:
        return i18n.catalogue(lang, str(root))
    finally:
        i18n.catalogue.cache_clear()


@pytest.fixture
def writes_bytecode(monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def test_a_catalogue_read_from_its_compiled_copy_says_what_the_yaml_says(tmp_path, writes_bytecode):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.yaml").write_text("desk:\n  ok: Welcome, {name}\n  n: 3\n", encoding="utf-8")
    first = _fresh(tmp_path)
    assert first == {"desk.ok": "Welcome, {name}", "desk.n": "3"}
    compiled = list((tmp_path / "__pycache__").glob("en.*.marshal"))
    assert len(compiled) == 1
    assert _fresh(tmp_path) == first  # the second read is the compiled copy's


def test_an_edited_added_or_removed_file_is_never_served_stale(tmp_path, writes_bytecode):
    (tmp_path / "en").mkdir()
    a = tmp_path / "en" / "a.yaml"
    a.write_text("k: one\n", encoding="utf-8")
    assert _fresh(tmp_path) == {"k": "one"}
    a.write_text("k: two\n", encoding="utf-8")  # same size, maybe the same mtime: the bytes decide
    assert _fresh(tmp_path) == {"k": "two"}
    (tmp_path / "en" / "b.yaml").write_text("m: x\n", encoding="utf-8")
    assert _fresh(tmp_path) == {"k": "two", "m": "x"}
    (tmp_path / "en" / "b.yaml").unlink()
    assert _fresh(tmp_path) == {"k": "two"}
    assert len(list((tmp_path / "__pycache__").glob("en.*.marshal"))) == 1  # earlier copies are removed


def test_a_key_defined_twice_is_still_refused(tmp_path, writes_bytecode):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.yaml").write_text("x:\n  y: 1\n", encoding="utf-8")
    (tmp_path / "en" / "b.yaml").write_text("x.y: 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        _fresh(tmp_path)
    assert not list(tmp_path.glob("__pycache__/*.marshal"))


def test_a_read_only_folder_or_dont_write_bytecode_still_reads(tmp_path, monkeypatch):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.yaml").write_text("k: v\n", encoding="utf-8")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert _fresh(tmp_path) == {"k": "v"}
    assert not (tmp_path / "__pycache__").exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    (tmp_path / "__pycache__").write_text("not a folder")  # nowhere to write: parsed, no error
    assert _fresh(tmp_path) == {"k": "v"}


def test_a_damaged_compiled_copy_is_parsed_again(tmp_path, writes_bytecode):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.yaml").write_text("k: v\n", encoding="utf-8")
    _fresh(tmp_path)
    (copy,) = (tmp_path / "__pycache__").glob("en.*.marshal")
    copy.write_bytes(b"\x00garbage")
    assert _fresh(tmp_path) == {"k": "v"}


RULES = """version: 1
rules:
  - id: R1
    text: {en: Set the level, zh_CN: 确定密级}
    source: 实施条例 art. 45(1)
  - id: R2
    text: {en: Seal the room, zh_CN: 封闭会场}
    source: 实施条例 art. 46
"""
FIELDS = {"text": Field("bilingual", required=True)}


def test_a_rule_file_read_from_its_compiled_copy_gives_the_same_rules_and_lines(tmp_path, writes_bytecode):
    f = tmp_path / "x.yaml"
    f.write_text(RULES, encoding="utf-8")
    first = parse_catalogue(f, FIELDS)
    assert len(list((tmp_path / "__pycache__").glob("x.*.marshal"))) == 1
    again = parse_catalogue(f, FIELDS)
    assert again == first and [r["_line"] for r in again["rules"]] == [3, 6]
    assert again is not first and again["rules"][0] is not first["rules"][0]  # each load its own copy


def test_a_rule_file_is_checked_at_every_load_even_from_its_compiled_copy(tmp_path, writes_bytecode):
    f = tmp_path / "x.yaml"
    f.write_text(RULES.replace("    source: 实施条例 art. 46\n", "    source: 实施条例 art. 46\n    colour: red\n"),
                 encoding="utf-8")
    for _ in range(2):  # parsed, then from the compiled copy: refused the same, on the same line
        with pytest.raises(RuleFileError) as err:
            parse_catalogue(f, FIELDS)
        assert str(err.value).startswith("x.yaml:9: rule R2: unknown key 'colour'")
    f.write_text(RULES.replace("  - id: R2", "  - id: R1"), encoding="utf-8")  # edited: read again
    with pytest.raises(RuleFileError, match="used twice"):
        parse_catalogue(f, FIELDS)
    f.write_text("rules:\n  - id: [unclosed\n", encoding="utf-8")  # bad YAML is never kept
    with pytest.raises(RuleFileError, match="not valid YAML"):
        parse_catalogue(f, FIELDS)
    assert [p.name.split(".")[0] for p in (tmp_path / "__pycache__").glob("*.marshal")] == ["x"]


def test_every_rule_file_of_the_release_can_be_kept_compiled(tmp_path, writes_bytecode):
    """marshal holds plain data only: a rule file whose YAML gave dates (or anything else) would be parsed at
    every command again, silently; the release's files are all kept."""
    import shutil

    from planners.core.config import RULES_DIR
    from planners.core.rules import _parse

    for src in sorted(RULES_DIR.glob("*.yaml")):
        f = tmp_path / src.name
        shutil.copy(src, f)
        first = _parse(f, f.read_bytes())
        assert list((tmp_path / "__pycache__").glob(f"{f.stem}.*.marshal")), f.name
        assert _parse(f, f.read_bytes()) == first
