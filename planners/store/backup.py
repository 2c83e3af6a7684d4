"""Backup and restore of the SQLite database: a consistent copy (SQLite's online backup API) in a zip with a
manifest carrying its SHA-256 and schema revision. Restore refuses a file whose checksum, format or schema
does not match, and leaves the current database untouched."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

from planners.core.errors import BackupRefused
from planners.core.clock import utcnow
from planners.store.db import dispose_all
from planners.store.schema import known_revisions

FORMAT = "conclave-backup/1"


def _sqlite_file(url: str) -> Path:
    if not url.startswith("sqlite:///") or ":memory:" in url:
        raise BackupRefused(
            "backup/restore handle the SQLite database. For PostgreSQL use pg_dump and pg_restore "
            "(see README, 'Several desks on PostgreSQL').", detail="postgresql")
    return Path(url[len("sqlite:///"):])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup(url: str, out: Path) -> dict:
    src_path = _sqlite_file(url)
    if not src_path.exists():
        raise BackupRefused(f"There is no database at {src_path}; run `conclave init` first.", detail="missing")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "conclave.db"
        src = sqlite3.connect(src_path)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
            revs = [r[0] for r in dst.execute("SELECT version_num FROM alembic_version")]
        finally:
            dst.close()
            src.close()
        manifest = {"format": FORMAT, "created_utc": utcnow().isoformat(timespec="seconds"),
                    "sha256": _sha256(copy), "size": copy.stat().st_size, "schema": sorted(revs)}
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = out.with_suffix(out.suffix + ".part")
        with zipfile.ZipFile(tmp_out, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.write(copy, "conclave.db")
            z.writestr("manifest.json", json.dumps(manifest, indent=2))
        tmp_out.replace(out)
    return manifest


def _refuse(why: str, detail: str) -> BackupRefused:
    return BackupRefused(f"Restore refused, the current database is untouched: {why}", detail=detail)


def restore(url: str, archive: Path) -> dict:
    target = _sqlite_file(url)
    try:
        z = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, FileNotFoundError, IsADirectoryError) as exc:
        raise _refuse(f"{archive} is not a Conclave backup ({exc}).", "not_a_backup") from exc
    with z, tempfile.TemporaryDirectory() as tmp:
        try:
            manifest = json.loads(z.read("manifest.json"))
            z.extract("conclave.db", tmp)
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise _refuse(f"{archive} has no valid manifest or database ({exc}).", "not_a_backup") from exc
        if manifest.get("format") != FORMAT:
            raise _refuse(f"unknown backup format {manifest.get('format')!r}.", "format")
        copy = Path(tmp) / "conclave.db"
        if _sha256(copy) != manifest.get("sha256"):
            raise _refuse("the checksum does not match: the file is corrupt or was altered.", "checksum")
        try:
            con = sqlite3.connect(copy)
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            revs = {r[0] for r in con.execute("SELECT version_num FROM alembic_version")}
        except sqlite3.DatabaseError as exc:
            raise _refuse(f"the database inside is unreadable ({exc}).", "unreadable") from exc
        if ok != "ok":
            raise _refuse(f"the database inside fails its integrity check ({ok}).", "integrity")
        unknown = revs - known_revisions()
        if unknown:
            raise _refuse(f"it was made by a newer Conclave (schema {', '.join(sorted(unknown))}).", "newer")
        dispose_all()
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target)
        try:
            con.backup(dst)  # page-by-page copy into the live file, consistent under WAL
        finally:
            dst.close()
            con.close()
    return manifest
