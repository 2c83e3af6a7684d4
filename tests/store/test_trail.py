"""The audit trail and the door log are anchored outside the database (issue 18, item 4): every way of
shortening or rewriting them that `audit verify` used to call "intact" now fails with exit 3, naming why."""
from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from planners.core.errors import StoreFailed

from planners.base import audit, trail
from planners.base.audit import entry_hash
from planners.cli import main
from planners.store.db import dispose_all
from planners.store.uow import read as read_session, write_session
from planners.store.models import AuditEntry


def _write(url, n):
    with write_session(url) as s:
        for i in range(n):
            audit.record(s, actor="alice", action="thing.do", object_type="thing", object_id=i, after={"i": i})


def _cli(*args):
    dispose_all()
    res = CliRunner().invoke(main, list(args))
    dispose_all()
    return res


def _sql(url, *stmts):
    dispose_all()
    con = sqlite3.connect(url[len("sqlite:///"):])
    for st in stmts:
        con.execute(st)
    con.commit()
    con.close()


DROP = ("DROP TRIGGER audit_entries_no_update", "DROP TRIGGER audit_entries_no_delete")
RESTORE_TRIGGERS = tuple(
    f"CREATE TRIGGER audit_entries_no_{v.lower()} BEFORE {v} ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END" for v in ("UPDATE", "DELETE"))


@pytest.fixture
def anchored(db_url):
    """150 entries and a checkpoint at the head."""
    _write(db_url, 150)
    res = _cli("audit", "checkpoint")
    assert res.exit_code == 0, res.output
    assert _cli("audit", "verify").exit_code == 0
    return db_url


def test_an_untouched_trail_is_proven_complete(anchored):
    res = _cli("audit", "verify")
    assert res.exit_code == 0 and "intact: 150 entries" in res.output and "proven complete" in res.output


@pytest.mark.parametrize("cut", [1, 100])
def test_cutting_the_tail_is_found_and_the_checkpoint_named(anchored, cut):
    _sql(anchored, *DROP, f"DELETE FROM audit_entries WHERE id > {150 - cut}", *RESTORE_TRIGGERS)
    res = _cli("audit", "verify")
    assert res.exit_code == 3
    assert "shorter than checkpoint line" in res.output and "150 entries" in res.output
    assert f"{150 - cut} rows" in res.output


def test_a_full_rechain_with_entry_hash_is_found(anchored):
    """Drop the triggers, edit one entry, delete one, recompute every hash, put the triggers back."""
    _sql(anchored, *DROP, "DELETE FROM audit_entries WHERE id = 40",
         "UPDATE audit_entries SET actor = 'mallory' WHERE id = 10")
    dispose_all()
    con = sqlite3.connect(anchored[len("sqlite:///"):])
    with read_session(anchored) as s:
        rows = list(s.query(AuditEntry).order_by(AuditEntry.id))
    prev = audit.GENESIS
    con.execute("DELETE FROM audit_entries")
    for new_id, e in enumerate(rows, start=1):
        h = entry_hash(id=new_id, ts=e.ts, actor=e.actor, action=e.action, object_type=e.object_type,
                       object_id=e.object_id, event_id=e.event_id, details=e.details, prev_hash=prev)
        con.execute("INSERT INTO audit_entries (id, ts, actor, action, object_type, object_id, event_id, details, "
                    "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (new_id, e.ts.isoformat(sep=" "), e.actor, e.action, e.object_type, e.object_id, e.event_id,
                     e.details, prev, h))
        prev = h
    for st in RESTORE_TRIGGERS:
        con.execute(st)
    con.commit()
    con.close()
    with read_session(anchored) as s:
        assert audit.verify(s).ok  # the chain alone reads intact: that is the attack
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and "checkpoint line" in res.output
    assert "shorter" in res.output or "diverges" in res.output


def test_an_edit_then_rechain_of_the_same_length_diverges(anchored):
    _sql(anchored, *DROP)
    dispose_all()
    with read_session(anchored) as s:
        rows = list(s.query(AuditEntry).order_by(AuditEntry.id))
    con = sqlite3.connect(anchored[len("sqlite:///"):])
    prev = audit.GENESIS
    for e in rows:
        actor = "mallory" if e.id == 5 else e.actor
        h = entry_hash(id=e.id, ts=e.ts, actor=actor, action=e.action, object_type=e.object_type,
                       object_id=e.object_id, event_id=e.event_id, details=e.details, prev_hash=prev)
        con.execute("UPDATE audit_entries SET actor=?, prev_hash=?, hash=? WHERE id=?", (actor, prev, h, e.id))
        prev = h
    for st in RESTORE_TRIGGERS:
        con.execute(st)
    con.commit()
    con.close()
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and "diverges from checkpoint line" in res.output


def test_dropped_triggers_alone_are_found(anchored):
    _sql(anchored, *DROP)
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and "triggers are missing" in res.output and "audit_entries_no_update" in res.output


def test_dropped_scan_triggers_are_found(anchored):
    _sql(anchored, "DROP TRIGGER scans_no_delete")
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and "scans: scans_no_delete" in res.output


def test_a_forged_checkpoint_is_refused_and_named(anchored):
    path = trail.checkpoints_path()
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["audit"]["count"] = 140  # "it only ever had 140 entries"
    path.write_text("\n".join(lines[:-1] + [json.dumps(forged)]) + "\n")
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and f"checkpoint line {len(lines)}" in res.output
    assert "signature is bad" in res.output


def test_a_checkpoint_signed_with_another_key_is_refused(anchored, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = trail.checkpoints_path()
    os.replace(trail.key_path(), tmp_path / "real.key")
    trail.private_key()  # a new key (the attacker's)
    with read_session(anchored) as s:
        h = trail.heads(s.connection())
    evil = trail.make(h, reason="manual")
    os.replace(tmp_path / "real.key", trail.key_path())
    with path.open("a") as f:
        f.write(json.dumps(evil) + "\n")
    assert Ed25519PrivateKey  # the attacker's key is a valid Ed25519 key, just not ours
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and "signed by another key" in res.output


def test_a_missing_checkpoint_file_cannot_prove_completeness(anchored):
    trail.checkpoints_path().unlink()
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and "cannot prove completeness" in res.output


def test_verify_against_a_file_from_a_usb_stick(anchored, tmp_path):
    stick = tmp_path / "usb" / "cp.jsonl"
    assert _cli("audit", "checkpoint", "--out", str(stick)).exit_code == 0
    assert stat.S_IMODE(stick.stat().st_mode) == 0o600
    trail.checkpoints_path().unlink()  # the server's own file is gone or was replaced
    trail.checkpoints_path().write_text("")
    _sql(anchored, *DROP, "DELETE FROM audit_entries WHERE id > 149", *RESTORE_TRIGGERS)
    res = _cli("audit", "verify", "--against", str(stick))
    assert res.exit_code == 3 and "shorter than checkpoint line 1" in res.output


def test_checkpoints_are_written_every_n_entries_without_being_asked(db_url):
    n, _minutes = trail.cadence()
    _write(db_url, 1)
    for _ in range(n + 1):
        _write(db_url, 1)  # one committed transaction each
    trail.wait()  # written off the writer's thread
    lines = [json.loads(x) for x in trail.checkpoints_path().read_text().splitlines()]
    assert len(lines) >= 2 and all(c["reason"] == "auto" for c in lines)
    assert lines[-1]["audit"]["count"] >= n
    assert stat.S_IMODE(trail.checkpoints_path().stat().st_mode) == 0o600
    assert stat.S_IMODE(trail.key_path().stat().st_mode) == 0o600
    assert _cli("audit", "verify").exit_code == 0


def test_the_audit_key_is_never_in_the_database(anchored):
    raw = trail.key_path().read_bytes()
    assert raw not in open(anchored[len("sqlite:///"):], "rb").read()


# ---- the door log -----------------------------------------------------------------------------------------

def _scans(db_url, n=5):
    from tests.checkin.helpers import make_event, register_desks
    from tests.conftest import make_user
    from planners import checkin

    with write_session(db_url) as s:
        organizer = make_user(s, "organizer", "organizer")
    eid, codes = make_event(db_url, organizer, n=n)
    for code in list(codes.values())[:n]:
        checkin.scan(eid, code, desk="d1", actor="desk")
    checkin.scan(eid, "garbage", desk="d1", actor="desk")
    return eid


def test_scans_are_chained_and_an_altered_scan_is_named(db_url):
    _scans(db_url)
    assert _cli("audit", "checkpoint").exit_code == 0
    res = _cli("audit", "verify")
    assert res.exit_code == 0 and "door log intact: 6 scans" in res.output
    _sql(db_url, "DROP TRIGGER scans_no_update", "UPDATE scans SET desk = 'other' WHERE seq = 3",
         "CREATE TRIGGER scans_no_update BEFORE UPDATE ON scans BEGIN SELECT RAISE(ABORT, 'x'); END")
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and "door log is BROKEN at row 3" in res.output and "altered" in res.output


def test_cutting_the_door_log_tail_is_found(db_url):
    _scans(db_url)
    assert _cli("audit", "checkpoint").exit_code == 0
    _sql(db_url, "DROP TRIGGER scans_no_delete", "DELETE FROM scans WHERE seq = 6",
         "CREATE TRIGGER scans_no_delete BEFORE DELETE ON scans BEGIN SELECT RAISE(ABORT, 'x'); END")
    res = _cli("audit", "verify")
    assert res.exit_code == 3 and "door log is shorter than checkpoint" in res.output


# ---- read-only evidence copies ----------------------------------------------------------------------------

def _settle(path):
    import gc

    trail.wait()
    dispose_all()
    gc.collect()  # a connection the checkpoint thread returned to a pool disposed meanwhile
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()


def test_verify_and_backup_only_read_the_database(anchored, tmp_path):
    """Opened read-only: the file is byte-identical afterwards and SQLite made no journal beside it (also as
    root, whom a 0444 mode does not stop)."""
    from planners.base import backup

    path = anchored[len("sqlite:///"):]
    _settle(path)
    before = open(path, "rb").read()
    res = _cli("audit", "verify")
    assert res.exit_code == 0, res.output
    backup.backup(anchored, tmp_path / "evidence.zip")
    dispose_all()
    assert open(path, "rb").read() == before
    assert not os.path.exists(path + "-wal") and not os.path.exists(path + "-shm")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through a 0444 mode")
def test_verify_and_backup_work_on_a_write_protected_copy(anchored, tmp_path):
    path = anchored[len("sqlite:///"):]
    folder = os.path.dirname(path)
    _settle(path)
    os.chmod(path, 0o444)
    os.chmod(folder, 0o555)
    try:
        res = _cli("audit", "verify")
        assert res.exit_code == 0, res.output
        out = tmp_path.parent / f"{tmp_path.name}-evidence.zip"
        res = _cli("backup", str(out))
        assert res.exit_code == 0, res.output
        assert "read-only" in res.output and out.exists()
        out.unlink()
    finally:
        os.chmod(folder, 0o755)
        os.chmod(path, 0o644)


# ---- PostgreSQL ---------------------------------------------------------------------------------------------

@pytest.mark.pg
def test_postgresql_refuses_truncate_of_every_append_only_table(pg_url):
    _write(pg_url, 3)
    for table in ("audit_entries", "scans", "audit_entries, scans"):
        with pytest.raises(StoreFailed, match="append-only"):
            with write_session(pg_url) as s:
                s.execute(text(f"TRUNCATE {table}"))
    with read_session(pg_url) as s:
        assert audit.verify(s).checked == 3
        assert trail.missing_triggers(s.connection()) == []


@pytest.mark.pg
def test_postgresql_truncate_after_dropping_its_trigger_is_found(pg_url):
    _write(pg_url, 30)
    assert _cli("audit", "checkpoint").exit_code == 0
    with write_session(pg_url) as s:
        s.execute(text("DROP TRIGGER audit_entries_no_truncate ON audit_entries"))
        s.execute(text("DROP TRIGGER scans_no_truncate ON scans"))
        s.execute(text("TRUNCATE audit_entries, scans"))
    res = _cli("audit", "verify")
    assert res.exit_code == 3
    assert "audit_entries_no_truncate" in res.output and "shorter than checkpoint" in res.output


# ---- checkpoints at every backup and export -----------------------------------------------------------------

def test_every_backup_and_every_pdf_export_writes_a_checkpoint(db_url, tmp_path):
    from planners.base import backup
    from planners.exports.pdfdoc import OfficePDF

    _write(db_url, 3)
    backup.backup(db_url, tmp_path / "b.zip")
    pdf = OfficePDF(title="x", lang="en")
    lines = [json.loads(x) for x in trail.checkpoints_path().read_text().splitlines()]
    assert [c["reason"] for c in lines[-2:]] == ["backup", "export"]
    assert lines[-1]["audit"]["count"] == 3 and pdf.checkpoint_note.startswith("audit 3·")
    assert lines[-1]["sig"][:8] in pdf.checkpoint_note
    pdf.add_page()
    assert pdf.output_bytes().startswith(b"%PDF")


def test_concurrent_desks_keep_one_unbroken_door_log(any_db_url, monkeypatch):
    """4 desk processes scan the same 30 badges at once: 120 scans, one chain, no fork (the head is read under
    the write lock)."""
    import multiprocessing as mp
    import sys
    import types

    from tests.checkin.helpers import make_event, register_desks
    from tests.checkin.test_concurrency import _results
    from tests.checkin.worker import desk_worker
    from tests.conftest import make_user

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    with write_session(any_db_url) as s:
        organizer = make_user(s, "organizer", "organizer")
    eid, codes = make_event(any_db_url, organizer, n=30, device_policy="lockers")
    register_desks(any_db_url, *(f"desk{i}" for i in range(4)))  # each process is its own registered desk
    dispose_all()
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=desk_worker, args=(any_db_url, os.environ["CONCLAVE_KEYS_DIR"], eid,
                                                   list(codes.values()), f"desk{i}", barrier, out))
             for i in range(4)]
    for p in procs:
        p.start()
    results = _results(procs, out)
    for p in procs:
        p.join(60)
    assert sum(sum(r.values()) for r in results) == 120 and all("error" not in k for r in results for k in r)
    with read_session(any_db_url) as s:
        sc, au = audit.verify_scans(s), audit.verify(s)
    assert sc.ok and sc.checked == 120, sc
    assert au.ok
    assert _cli("audit", "checkpoint").exit_code == 0
    res = _cli("audit", "verify")
    assert res.exit_code == 0, res.output


def test_the_audit_page_says_not_proven_after_the_tail_is_cut(anchored, users):
    from tests.conftest import app_test

    _sql(anchored, *DROP, "DELETE FROM audit_entries WHERE id > 149", *RESTORE_TRIGGERS)
    at = app_test("audit", user=users["admin"], lang="zh_CN").run()
    next(b for b in at.button if b.label == "校验哈希链").click().run()
    assert any("未能证明完整" in e.value for e in at.error)
    assert any("shorter than checkpoint" in t.value for t in at.text)
