"""Parsed data files kept compiled, as Python keeps bytecode (issue 17).

Reading the YAML of the locales and the rule catalogues cost every command and every app start tens of ms of CPU
(and the import of PyYAML). What a parse gives is kept in `<folder>/__pycache__/<stem>.<digest>.marshal`, named
by a digest of the files' names and bytes: an edited, added or removed file has another digest, so a stale copy
is never read. Writing is best effort and atomic; a read-only folder, or PYTHONDONTWRITEBYTECODE, just parses
every time. Only the parse is kept: what the caller checks and refuses is checked again at every load."""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Iterable


def digest(files: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for name, raw in files:
        h.update(name.encode() + b"\0" + len(raw).to_bytes(8, "little") + raw)
    return h.hexdigest()


def _path(folder: Path, stem: str, key: str) -> Path:
    return folder / "__pycache__" / f"{stem}.{key}.marshal"


def read(folder: Path, stem: str, key: str):
    """The value kept for `stem` at `key`, or None (none kept, or unreadable)."""
    try:
        return marshal.loads(_path(folder, stem, key).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def write(folder: Path, stem: str, key: str, value) -> None:
    """Keep `value` (plain data: dict, list, tuple, str, int, float, bool, None) for `stem` at `key`, and drop the
    copies of earlier versions. Never fails: a value marshal cannot hold, or a folder that cannot be written, is
    simply not kept."""
    if sys.dont_write_bytecode:  # PYTHONDONTWRITEBYTECODE: write nothing next to the sources, as Python does
        return
    path = _path(folder, stem, key)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        data = marshal.dumps(value)
        path.parent.mkdir(exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        for old in path.parent.glob(f"{stem}.*.marshal"):
            if old != path and old.name.count(".") == 2:  # `stem.digest.marshal`, not another stem's
                old.unlink(missing_ok=True)
    except (OSError, ValueError):
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
