"""Backups prove where they came from (issue 18, items 5 and 7; issue 19, item 3): signed, 0600, no working
copy left behind even after kill -9; restore refuses forged, broken, stale and exploding files."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from planners.base import audit, backup, trail
from planners.cli import main
from planners.store.db import dispose_all
from planners.store.uow import read as read_session, write_session
from planners.store.models import AuditEntry, User


def _write(url, n):
    with write_session(url) as s:
        for i in range(n):
            audit.record(s, actor="alice", action="thing.do", object_type="thing", object_id=i)


def _cli(*args):
    dispose_all()
    res = CliRunner().invoke(main, list(args))
    dispose_all()
    return res


@pytest.fixture
def made(db_url, users, tmp_path):
    _write(db_url, 40)
    out = tmp_path / "b.zip"
    res = _cli("backup", str(out))
    assert res.exit_code == 0, res.output
    return db_url, out


def _forge(src: Path, dst: Path, sql: list[str], *, resign: bool = False) -> None:
    """Rewrite the database inside a backup and recompute its manifest (as an attacker without the key can)."""
    work = dst.parent / "forge.db"
    with zipfile.ZipFile(src) as z:
        work.write_bytes(z.read("conclave.db"))
        manifest = json.loads(z.read("manifest.json"))
    con = sqlite3.connect(work)
    for st in sql:
        con.execute(st)
    con.commit()
    con.close()
    manifest["sha256"] = hashlib.sha256(work.read_bytes()).hexdigest()
    manifest["size"] = work.stat().st_size
    if resign:
        manifest = trail.sign(manifest)
    with zipfile.ZipFile(dst, "w") as z:
        z.write(work, "conclave.db")
        z.writestr("manifest.json", json.dumps(manifest))
    work.unlink()


def _admin_hash(url):
    with read_session(url) as s:
        return s.query(User).filter_by(username="admin").one().password_hash


CUT = ["DROP TRIGGER audit_entries_no_delete", "DELETE FROM audit_entries WHERE id > 10",
       "UPDATE users SET password_hash = 'forged' WHERE username = 'admin'"]


def test_a_backup_is_signed_0600_and_restores(made):
    url, out = made
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [p for p in out.parent.iterdir() if backup.WORK_TAG in p.name or p.name.endswith(".part")]
    with zipfile.ZipFile(out) as z:
        m = json.loads(z.read("manifest.json"))
    assert m["sig"] and trail.signature_problem(m, trail.public_key()) == ""
    res = _cli("restore", str(out))
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(Path(url[len("sqlite:///"):]).stat().st_mode) == 0o600
    assert _cli("audit", "verify").exit_code == 0


def test_a_forged_backup_with_a_cut_trail_and_a_new_password_is_refused(made, tmp_path):
    url, out = made
    before = _admin_hash(url)
    bad = tmp_path / "forged.zip"
    _forge(out, bad, CUT)
    res = _cli("restore", str(bad))
    assert res.exit_code == 3 and "untouched" in res.output and "signature" in res.output
    assert _admin_hash(url) == before


def test_a_resigned_backup_whose_chain_is_cut_is_still_refused(made, tmp_path):
    """Even signed (a key that leaked, or a backup of a tampered database), the cut trail is older than the
    checkpoint."""
    url, out = made
    bad = tmp_path / "cut.zip"
    _forge(out, bad, CUT, resign=True)
    res = _cli("restore", str(bad))
    assert res.exit_code == 3 and "shorter than checkpoint" in res.output
    assert _admin_hash(url) != "forged"


def test_a_backup_whose_chain_is_broken_is_refused(made, tmp_path):
    url, out = made
    bad = tmp_path / "broken.zip"
    _forge(out, bad, ["DROP TRIGGER audit_entries_no_update", "UPDATE audit_entries SET actor = 'm' WHERE id = 5"],
           resign=True)
    res = _cli("restore", str(bad))
    assert res.exit_code == 3 and "BROKEN at row 5" in res.output


def test_an_unsigned_old_format_backup_is_refused(made, tmp_path):
    url, out = made
    bad = tmp_path / "old.zip"
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(bad, "w") as w:
        m = json.loads(z.read("manifest.json"))
        m = {k: m[k] for k in ("created_utc", "sha256", "size", "schema")} | {"format": "conclave-backup/1"}
        w.writestr("conclave.db", z.read("conclave.db"))
        w.writestr("manifest.json", json.dumps(m))
    res = _cli("restore", str(bad))
    assert res.exit_code == 3 and "unsigned" in res.output


def test_a_backup_older_than_the_current_checkpoint_needs_force_and_a_reason(made):
    url, out = made
    _write(url, 30)
    assert _cli("audit", "checkpoint").exit_code == 0
    res = _cli("restore", str(out))
    assert res.exit_code == 3 and "shorter than checkpoint" in res.output
    res = _cli("restore", str(out), "--force")
    assert res.exit_code == 3 and "--reason" in res.output
    res = _cli("restore", str(out), "--force", "--reason", "disk failure, last good backup")
    assert res.exit_code == 0, res.output
    with read_session(url) as s:
        last = s.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
    details = json.loads(last.details)
    assert last.action == "db.restore" and details["forced"] is True
    assert details["reason"] == "disk failure, last good backup" and details["overridden"]
    res = _cli("audit", "verify")  # the signed reset starts a new baseline
    assert res.exit_code == 0, res.output


# ---- bombs --------------------------------------------------------------------------------------------------

def _listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_a_small_backup_expanding_far_beyond_its_size_is_refused_before_writing(made, tmp_path):
    url, _out = made
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("conclave.db", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(80):
                f.write(chunk)
        z.writestr("manifest.json", json.dumps({"format": backup.FORMAT}))
    assert bomb.stat().st_size < 1 << 20
    db_folder = Path(url[len("sqlite:///"):]).parent
    before = _listing(db_folder)
    res = _cli("restore", str(bomb))
    assert res.exit_code == 3 and "expands to 80 MB" in res.output and "200 times" in res.output
    assert _listing(db_folder) == before


def test_a_huge_manifest_is_refused_before_it_is_read(made, tmp_path):
    url, out = made
    bomb = tmp_path / "manifest-bomb.zip"
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as w:
        w.writestr("conclave.db", z.read("conclave.db"))
        w.writestr("manifest.json", b"{" + b" " * (2 << 20) + b"}")
    res = _cli("restore", str(bomb))
    assert res.exit_code == 3 and "manifest expands to 2048 kB; the limit is 64 kB" in res.output


def test_a_backup_beyond_the_size_limit_is_refused(made, tmp_path, monkeypatch):
    url, out = made
    monkeypatch.setattr(backup, "_limits", lambda: (1 << 16, 200, 64 << 10))
    res = _cli("restore", str(out))
    assert res.exit_code == 3 and "the database expands to 1 MB; the limit is 0 MB (rule A2)" in res.output


# ---- working files: 0600, removed on any exit, cleaned after kill -9 ----------------------------------------

WORKER = r"""
import sys, time
from pathlib import Path
from planners.base import backup
point = sys.argv[3]
def hold(*a, **k):
    print("READY", flush=True)
    time.sleep(600)
if point == "copied":
    backup._trail_of = hold
elif point == "zipping":
    import zipfile
    orig = zipfile.ZipFile.writestr
    zipfile.ZipFile.writestr = lambda self, *a, **k: hold()
elif point == "replacing":
    import os
    backup.os.replace = hold
backup.backup(sys.argv[1], Path(sys.argv[2]))
"""


def _start(url, out, point):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    p = subprocess.Popen([sys.executable, "-c", WORKER, url, str(out), point], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline()
    assert line.strip() == "READY", p.stderr.read()
    return p


@pytest.mark.parametrize("point", ["copied", "zipping", "replacing"])
def test_kill_9_of_a_backup_leaves_nothing_readable_and_the_next_backup_cleans_up(made, tmp_path, point):
    url, _ = made
    out = tmp_path / "dest" / "b.zip"
    p = _start(url, out, point)
    left = [q for q in out.parent.iterdir() if backup.WORK_TAG in q.name]
    assert left, "the working copy lives beside the target"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    for q in out.parent.iterdir():
        assert stat.S_IMODE(q.stat().st_mode) & 0o077 == 0, (q.name, oct(q.stat().st_mode))
    backup.backup(url, out)
    assert [q.name for q in out.parent.iterdir()] == ["b.zip"]


def test_kill_9_leftovers_are_cleaned_at_the_next_start(made, tmp_path):
    from planners.store import schema

    url, _ = made
    out = tmp_path / "elsewhere" / "b.zip"
    p = _start(url, out, "copied")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert [q for q in out.parent.iterdir() if backup.WORK_TAG in q.name]
    schema.upgrade(url)
    assert not [q for q in out.parent.iterdir() if backup.WORK_TAG in q.name]


def test_sigterm_of_a_backup_removes_its_working_files(made, tmp_path):
    url, _ = made
    out = tmp_path / "term" / "b.zip"
    p = _start(url, out, "copied")
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)
    deadline = time.time() + 5
    while time.time() < deadline and list(out.parent.iterdir()):
        time.sleep(0.1)
    assert list(out.parent.iterdir()) == []
