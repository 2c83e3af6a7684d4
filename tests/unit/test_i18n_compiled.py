"""The locale catalogues are kept compiled next to their folders (issue 17: parsing the YAML cost 30 ms of CPU at
every command): the compiled copy is named by the files' contents, so an edit is read at once, and nothing about
what a catalogue says or refuses changes."""
from __future__ import annotations

import sys

import pytest

from planners.core import i18n


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
