"""Backup and restore of the SQLite database: a consistent copy (SQLite's online backup API) in a zip with a
manifest carrying its SHA-256, schema revision and the heads of its audit trail and door log, signed with the
audit key (planners.base.trail). Restore refuses, leaving the current database untouched, a file whose checksum,
format or schema does not match, that expands beyond the limits of rule A2 (checked before anything is written),
that is unsigned or signed by another key, whose chains are broken, or whose head is older than (or diverges
from) the current checkpoint — the last three unless forced with a reason, which is audited.

Files: the backup, its `.part` and every working copy are created 0600, beside their target, and removed on any
exit (also on SIGTERM/SIGHUP/SIGINT); one left by a process killed outright is removed at the next backup or
restore into that folder and at the next start (`cleanup_leftovers`)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import zipfile
from pathlib import Path

from planners.core.errors import BackupRefused
from planners.core.clock import utcnow
from planners.store.db import dispose_all
from planners.store.workfiles import WORK_TAG, _create_private, _note_folder, _work_path, _working, cleanup_leftovers  # noqa: F401
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from planners.base import trail
from planners.core.clock import utcnow
from planners.store.db import dispose_all
from planners.store.schema import known_revisions
from planners.base import audit

FORMAT = "conclave-backup/2"
OLD_FORMATS = ("conclave-backup/1",)  # unsigned
_MEMBERS = {"conclave.db", "manifest.json"}


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


def _session_on(path: Path):
    con = sqlite3.connect(path, check_same_thread=False)
    engine = create_engine("sqlite://", creator=lambda: con, poolclass=StaticPool)
    return engine, con


def _trail_of(path: Path) -> dict:
    """Heads and integrity of the chains in the database file at `path`."""
    engine, con = _session_on(path)
    try:
        with engine.connect() as conn:
            h = trail.heads(conn)
        with Session(engine) as s:
            rep = audit.verify_trail(s, require_checkpoints=False)
        return {**h, "intact": rep.ok, "problems": rep.problems}
    finally:
        engine.dispose()
        con.close()


# ---- backup -----------------------------------------------------------------------------------------------

def backup(url: str, out: Path) -> dict:
    """Write a signed backup to `out` (0600); a checkpoint of the copied database goes to the checkpoint file."""
    src_path = _sqlite_file(url)
    if not src_path.exists():
        raise BackupRefused(f"There is no database at {src_path}; run `conclave init` first.", detail="missing")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cleanup_leftovers(out.parent, src_path.parent)
    _note_folder(src_path.parent, out.parent)
    copy, part = _work_path(out, "db"), _work_path(out, "part")
    with _working(copy, part):
        _create_private(copy).close()
        src = trail.readonly_sqlite(src_path)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            revs = [r[0] for r in dst.execute("SELECT version_num FROM alembic_version")]
        except sqlite3.DatabaseError as exc:
            raise BackupRefused(f"The database cannot be read: {exc}.", detail=str(exc)) from exc
        finally:
            dst.close()
            src.close()
        try:
            chains = _trail_of(copy)
        except SQLAlchemyError as exc:
            raise BackupRefused(f"The database's audit trail cannot be read ({exc.orig}): run `conclave init` "
                                "to bring it to the current schema first.", detail="schema") from exc
        manifest = trail.sign({"format": FORMAT, "created_utc": utcnow().isoformat(timespec="seconds"),
                               "sha256": _sha256(copy), "size": copy.stat().st_size, "schema": sorted(revs),
                               "trail": chains})
        with _create_private(part) as f, zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.write(copy, "conclave.db")
            z.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        os.replace(part, out)
        os.chmod(out, 0o600)
    trail.wait()
    trail.append_line(trail.checkpoints_path(), trail.make(chains, reason="backup"))
    return manifest


# ---- restore ----------------------------------------------------------------------------------------------

def _refuse(why: str, detail: str) -> BackupRefused:
    return BackupRefused(f"Restore refused, the current database is untouched: {why}", detail=detail)


def _limits() -> tuple[int, int, int]:
    r = trail.rule("A2")
    return (int(r.get("max_expand_mb") or 4096) << 20, int(r.get("max_ratio") or 200),
            int(r.get("max_manifest_kb") or 64) << 10)


def _check_sizes(z: zipfile.ZipFile, archive: Path, target: Path) -> zipfile.ZipInfo:
    """Refuse a bomb from the zip's directory, before a byte is extracted."""
    max_db, max_ratio, max_manifest = _limits()
    infos = {i.filename: i for i in z.infolist()}
    extra = set(infos) - _MEMBERS
    if extra or not _MEMBERS <= set(infos):
        raise _refuse(f"{archive} is not a Conclave backup (it holds {', '.join(sorted(infos)) or 'nothing'}).",
                      "not_a_backup")
    m, db = infos["manifest.json"], infos["conclave.db"]
    if m.file_size > max_manifest:
        raise _refuse(f"its manifest expands to {m.file_size >> 10} kB; the limit is {max_manifest >> 10} kB "
                      "(rule A2).", "bomb")
    mb = (db.file_size + (1 << 20) - 1) >> 20
    if db.file_size > max_db:
        raise _refuse(f"the database expands to {mb} MB; the limit is {max_db >> 20} MB (rule A2).", "bomb")
    if db.file_size > (64 << 20) and db.file_size > max_ratio * max(db.compress_size, 1):
        raise _refuse(f"the database expands to {mb} MB from {db.compress_size >> 20} MB, more than {max_ratio} "
                      "times (rule A2): it is not a database.", "bomb")
    free = shutil.disk_usage(target.parent).free
    if db.file_size * 2 > free:
        raise _refuse(f"the database expands to {mb} MB and {target.parent} has {free >> 20} MB free.", "disk")
    return db


def _extract(z: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> str:
    """Stream the member into `dest` (0600), never more than its declared size; its SHA-256."""
    h, n = hashlib.sha256(), 0
    with z.open(info) as src, _create_private(dest) as f:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            n += len(chunk)
            if n > info.file_size:
                raise _refuse("the database is longer than the zip declares.", "bomb")
            h.update(chunk)
            f.write(chunk)
    return h.hexdigest()


def restore(url: str, archive: Path, *, force: bool = False, reason: str = "") -> dict:
    """Check `archive` and copy it over the database. Returns the manifest, with `overridden` (the refusals a
    forced restore went past) and `forced`."""
    target = _sqlite_file(url)
    archive = Path(archive)
    target.parent.mkdir(parents=True, exist_ok=True)
    cleanup_leftovers(target.parent)
    reason = (reason or "").strip()
    if force and not reason:
        raise _refuse("--force needs --reason TEXT: say why the checks may be overridden (it is audited).",
                      "reason")
    try:
        z = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, FileNotFoundError, IsADirectoryError, OSError) as exc:
        raise _refuse(f"{archive} is not a Conclave backup ({exc}).", "not_a_backup") from exc
    copy = _work_path(target, "restore")
    with z, _working(copy):
        info = _check_sizes(z, archive, target)
        try:
            manifest = json.loads(z.read("manifest.json"))
            if not isinstance(manifest, dict):
                raise ValueError("the manifest is not an object")
            digest = _extract(z, info, copy)
        except (KeyError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise _refuse(f"{archive} has no valid manifest or database ({exc}).", "not_a_backup") from exc
        fmt = manifest.get("format")
        if fmt != FORMAT and fmt not in OLD_FORMATS:
            raise _refuse(f"unknown backup format {fmt!r}.", "format")
        if digest != manifest.get("sha256") or info.file_size != manifest.get("size", info.file_size):
            raise _refuse("the checksum does not match: the file is corrupt or was altered.", "checksum")
        try:
            con = sqlite3.connect(copy)
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            revs = {r[0] for r in con.execute("SELECT version_num FROM alembic_version")}
        except sqlite3.DatabaseError as exc:
            raise _refuse(f"the database inside is unreadable ({exc}).", "unreadable") from exc
        try:
            if ok != "ok":
                raise _refuse(f"the database inside fails its integrity check ({ok}).", "integrity")
            unknown = revs - known_revisions()
            if unknown:
                raise _refuse(f"it was made by a newer Conclave (schema {', '.join(sorted(unknown))}).", "newer")
            problems = _trust_problems(manifest, copy)
            if problems and not force:
                raise _refuse("; ".join(problems) + ". Restore with --force --reason TEXT only if you know why.",
                              "untrusted")
            dispose_all()
            dst = sqlite3.connect(target)
            try:
                con.backup(dst)  # page-by-page copy into the live file, consistent under WAL
            finally:
                dst.close()
        finally:
            con.close()
    try:
        os.chmod(target, 0o600)
    except OSError:
        pass
    return {**manifest, "overridden": problems, "forced": bool(force and problems), "reason": reason}


def _trust_problems(manifest: dict, copy: Path) -> list[str]:
    """Why the incoming database cannot be trusted: signature, chains, triggers, the current checkpoints."""
    problems = []
    if manifest.get("format") in OLD_FORMATS:
        problems.append("the backup is unsigned (made by an older Conclave)")
    else:
        why = trail.signature_problem(manifest, trail.public_key())
        if why:
            problems.append(f"the backup's signature does not hold: {why}")
    engine, con = _session_on(copy)
    try:
        with Session(engine) as s:  # chains, triggers, and this machine's checkpoints since its last reset
            rep = audit.verify_trail(s, require_checkpoints=False)
        problems.extend(f"in the backup, {p}" for p in rep.problems)
    except SQLAlchemyError as exc:
        problems.append(f"the backup's audit trail cannot be read ({getattr(exc, 'orig', exc)})")
    finally:
        engine.dispose()
        con.close()
    return problems


def after_restore(url: str, m: dict, *, actor: str, file_name: str) -> dict:
    """Bring the restored database to the current schema, audit the restore, and anchor it: a checkpoint, or after
    a forced restore a signed reset (the checkpoints before it belonged to the database that was replaced)."""
    from planners.base import audit
    from planners.store import schema
    from planners.store.db import get_engine
    from planners.store.uow import write_session

    schema.upgrade(url)
    with write_session(url) as s:
        audit.record(s, actor=actor, action="db.restore", object_type="file", object_id=file_name,
                     sha256=m.get("sha256"), created=m.get("created_utc"), forced=m["forced"],
                     reason=m.get("reason", ""), overridden=m["overridden"])
    with get_engine(url).connect() as conn:
        h = trail.heads(conn)
    trail.wait()
    if m["forced"]:
        c = trail.make(h, reason="restore", kind="reset", note=m.get("reason", "")[:500])
    else:
        c = trail.make(h, reason="restore")
    trail.append_line(trail.checkpoints_path(), c)
    return c
