"""Issue 18, items 2, 3, 6 and 7 (database): ids never reused, exceptions bound to the person, signing keys
checked and rotatable, the database and keys folder private."""
from __future__ import annotations

import json
import logging
import os
import stat
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from planners.attendees import allowlist, eligibility, badges as tokens
from planners.base import approvals, audit
from planners import checkin
from planners.cli import main
from planners.store import db as dbmod
from planners.store import uow
from planners.store.models import Approval, ApprovalStep, Attendee, Event
from tests.checkin.helpers import CLEARED, make_event, reapprove_list
from tests.conftest import TEST_PASSWORD

_PW = {"CONCLAVE_PASSWORD": TEST_PASSWORD}  # the CLI acts as an account: its password


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def _scan(eid, code, users, desk="d1"):
    return checkin.scan(eid, code, desk=desk, actor=users["front_desk"])


# ---- item 2: ids are never reused ------------------------------------------------------------------------

def test_a_deleted_attendees_badge_never_scans_as_the_next_person(db_url, users):
    eid, codes = make_event(db_url, users["organizer"], n=3)
    newest = max(codes)
    old_code = codes[newest]
    with uow.write_session(db_url) as s:
        allowlist.save_table(s, eid, [], actor=users["organizer"], deleted_ids=[newest])
        s.add(Attendee(event_id=eid, name="新来的人", unit="市商务局", id_last4="7777", **CLEARED))
    with uow.write_session(db_url) as s:
        pairs = tokens.codes_for_event(s, eid, actor=users["organizer"])
    new_ids = {a.id for a, _ in pairs}
    assert newest not in new_ids and max(new_ids) > newest  # the id of the deleted person never comes back
    v = _scan(eid, old_code, users)
    assert v.reason in ("not_on_list", "revoked", "invalid") and not v.ok
    assert v.attendee is None or v.attendee.get("name") != "新来的人"
    [new_code] = [c for a, c in pairs if a.name == "新来的人"]
    assert _scan(eid, new_code, users).reason == "not_on_approved_list"  # added after the approval (issue 11)
    reapprove_list(db_url, eid, users["organizer"])
    assert _scan(eid, new_code, users).reason == "ok"


def test_every_surrogate_id_table_is_autoincrement_on_sqlite(db_url):
    import importlib.util  # the module name starts with a digit: load it from its file

    spec = importlib.util.spec_from_file_location(
        "m0008", Path(__file__).resolve().parents[2] / "planners/store/migrations/versions/0008_ids_never_reused.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    with dbmod.get_engine(db_url).connect() as c:
        sql = dict(c.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    for t in ("users", "events", "attendees", "documents", "document_copies", "badges", "scans", "audit_entries"):
        assert t in m.TABLES
    for t in m.TABLES:
        assert "PRIMARY KEY AUTOINCREMENT" in sql[t], t
    from planners.store import models, models_checkin, models_documents, models_plan, models_visits  # noqa: F401
    from planners.store.models import Base

    for t in m.TABLES:  # the models say so too (a database made by create_all is the same)
        assert Base.metadata.tables[t].dialect_options["sqlite"]["autoincrement"] is True, t


def test_the_migration_from_0007_keeps_rows_indexes_keys_and_triggers(tmp_path, monkeypatch):
    from alembic import command

    from planners.store import schema

    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("CONCLAVE_KEYS_DIR", str(tmp_path / "keys"))
    eng = dbmod.get_engine(url)
    with eng.begin() as conn:
        cfg = schema.alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007_join_areas")
    with eng.begin() as c:
        c.execute(text("INSERT INTO users (id, username, role, password_hash, created_at) "
                       "VALUES (1, 'org', 'organizer', 'x', '2026-11-01 00:00:00')"))
        c.execute(text("INSERT INTO events (id, title, kind, level, starts_at, ends_at, organizer_id, facts, "
                       "created_at, updated_at) VALUES (1, '会', 'meeting', 'secret', '2026-12-01 00:00:00', "
                       "'2026-12-02 00:00:00', 1, '{}', '2026-11-01', '2026-11-01')"))
        for i in (1, 2, 3):
            c.execute(text("INSERT INTO attendees (id, event_id, name, id_last4, nationality, clearance, "
                           "pledge_signed, created_at) VALUES (:i, 1, :n, :d, :nat, 'secret', 1, '2026-11-01')"),
                      {"i": i, "n": f"人{i}", "d": f"000{i}", "nat": "US" if i == 3 else "CN"})
            c.execute(text("INSERT INTO badges (event_id, attendee_id, generation, valid_from, valid_until, "
                           "issued_at, issued_by) VALUES (1, :i, 1, '2026-11-30', '2026-12-03', '2026-11-01', 'o')"),
                      {"i": i})
        c.execute(text("INSERT INTO approvals (id, kind, object_type, object_id, event_id, title, findings, payload, "
                       "status, requested_by, requested_at) VALUES (1, 'attendee_exception', 'attendee', '3', 1, "
                       "'{}', '[]', '{\"rules\": [\"E3\"], \"attendee\": \"人3\"}', 'approved', 'org', '2026-11-01')"))
        c.execute(text("INSERT INTO attendee_exceptions (event_id, attendee_id, rules, approval_id, decided_by, "
                       "decided_at) VALUES (1, 3, '[\"E3\"]', 1, 'leader', '2026-11-01')"))
        c.execute(text("INSERT INTO scans (event_id, attendee_id, desk, actor, at, direction, method, status, "
                       "reason) VALUES (1, 1, 'd', 'a', '2026-12-01 01:00', 'in', 'scan', 'ok', 'ok')"))
    with eng.connect() as c:
        before = {t: c.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar()
                  for t in ("users", "events", "attendees", "badges", "approvals", "attendee_exceptions", "scans")}
    dbmod.dispose_all()

    schema.upgrade(url)
    eng = dbmod.get_engine(url)
    with eng.connect() as c:
        after = {t: c.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in before}
        assert after == before == {"users": 1, "events": 1, "attendees": 3, "badges": 3, "approvals": 1,
                                   "attendee_exceptions": 1, "scans": 1}
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on after the migration
        assert c.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        objects = {r[0] for r in c.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert {"ix_attendees_event_id", "ix_scans_event_at", "ix_audit_event", "scans_no_update",
                "scans_no_delete", "audit_entries_no_delete", "custody_entries_no_update"} <= objects
        assert not any(n.startswith("_new_") for n in objects)
        fks = c.exec_driver_sql("PRAGMA foreign_key_list(badges)").fetchall()
        assert {(r[2], r[3], r[6]) for r in fks} == {("events", "event_id", "CASCADE"),
                                                    ("attendees", "attendee_id", "CASCADE")}
    with eng.begin() as c:
        with pytest.raises(Exception, match="append-only"):
            c.execute(text("UPDATE scans SET reason = 'x'"))
    with eng.begin() as c:
        c.execute(text("DELETE FROM attendees WHERE id = 2"))  # the foreign key still cascades …
        assert c.execute(text("SELECT COUNT(*) FROM badges WHERE attendee_id = 2")).scalar() == 0
        c.execute(text("DELETE FROM attendees WHERE id = 3"))  # … and the newest id is not handed out again
        c.execute(text("DELETE FROM badges WHERE attendee_id = 3"))
        c.execute(text("INSERT INTO attendees (event_id, name, created_at) VALUES (1, '后来者', '2026-11-02')"))
        assert c.execute(text("SELECT id FROM attendees WHERE name = '后来者'")).scalar() == 4


def test_the_exception_granted_before_the_migration_is_bound_to_the_row_as_it_was(tmp_path, monkeypatch):
    from alembic import command

    from planners.attendees.eligibility import holds
    from planners.store import schema

    url = f"sqlite:///{tmp_path / 'old.db'}"
    eng = dbmod.get_engine(url)
    with eng.begin() as conn:
        cfg = schema.alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007_join_areas")
    with eng.begin() as c:
        c.execute(text("INSERT INTO users (id, username, role, password_hash, created_at) "
                       "VALUES (1, 'org', 'organizer', 'x', '2026-11-01')"))
        c.execute(text("INSERT INTO events (id, title, kind, level, starts_at, ends_at, organizer_id, facts, "
                       "created_at, updated_at) VALUES (1, '会', 'meeting', 'secret', '2026-12-01', '2026-12-02', "
                       "1, '{}', '2026-11-01', '2026-11-01')"))
        c.execute(text("INSERT INTO attendees (id, event_id, name, id_last4, nationality, clearance, pledge_signed, "
                       "created_at) VALUES (1, 1, 'Ann', '0001', 'GB', 'secret', 1, '2026-11-01')"))
        c.execute(text("INSERT INTO attendee_exceptions (event_id, attendee_id, rules, approval_id, decided_by, "
                       "decided_at) VALUES (1, 1, '[\"E3\"]', 1, 'leader', '2026-11-01')"))
    dbmod.dispose_all()
    schema.upgrade(url)
    with uow.read(url) as s:
        from planners.store.models_checkin import AttendeeException

        ex = s.scalar(select(AttendeeException))
        a = s.get(Attendee, 1)
        assert ex.fingerprint.startswith("v1:") and holds(a, ex.rules, ex.fingerprint, ex.voided_at)
        assert eligibility.granted_rules(s, 1) == {"E3"}
    dbmod.dispose_all()


# ---- item 3: an exception binds to the person ------------------------------------------------------------

QIAN = dict(name="钱磊", unit="某外资公司", id_last4="1234", nationality="CN", foreign_invested_staff=True,
            clearance="secret", pledge_signed=True, id_type="resident_id")


def _granted(db_url, users, person=QIAN):
    eid, codes = make_event(db_url, users["organizer"], level="secret", people=[person])
    [(aid, code)] = codes.items()
    assert _scan(eid, code, users).reason == "needs_approval"
    with uow.write_session(db_url) as s:
        item = eligibility.request_exception(s, aid, actor=users["organizer"])
    with uow.write_session(db_url) as s:
        approvals.decide(s, item.id, "approved", leader=users["leader"], comment="")
    return eid, aid, code, item.id


def _row(db_url, eid, aid, **changes):
    with uow.read(db_url) as s:
        a = s.get(Attendee, aid)
        row = {f: getattr(a, f) for f in allowlist.EDITABLE} | {"id": a.id}
    return row | changes


def test_an_exception_is_void_once_the_row_is_edited_into_another_person(db_url, users):
    eid, aid, code, approval_id = _granted(db_url, users)
    assert _scan(eid, code, users).reason == "ok"  # the exception lifts E4 for 钱磊
    checkin_out = checkin.scan(eid, code, desk="d1", actor=users["front_desk"], direction="out")
    assert checkin_out.ok
    with uow.write_session(db_url) as s:
        res = allowlist.save_table(s, eid, [_row(db_url, eid, aid, name="孙强", id_last4="9876")],
                                   actor=users["organizer"])
    assert res["changed"] == 1 and len(res["requeued"]) == 1
    v = _scan(eid, code, users, desk="d2")
    assert v.reason == "needs_approval" and not v.ok
    with uow.read(db_url) as s:
        assert eligibility.for_attendee(s, s.get(Attendee, aid)).status == "needs_approval"
        assert eligibility.for_event(s, s.get(Event, eid))[aid].status == "needs_approval"
        old = s.get(Approval, approval_id)
        assert old.status == "approved" and "钱磊" in old.title["zh_CN"]  # still names who it was granted to
        steps = [st.action for st in approvals.history(s, approval_id)]
        assert steps[-1] == "voided"
        [new] = approvals.pending(s, kind=eligibility.EXCEPTION_KIND)
        assert new.id != approval_id and new.object_id == str(aid)
        assert "孙强" in new.title["zh_CN"] and "钱磊" not in new.title["zh_CN"]
        assert new.payload["replaces"] == "钱磊" and new.findings[0]["rule"] == "E4"
        actions = [e.action for e in audit.query(s)]
        assert "attendee.exception_voided" in actions


@pytest.mark.parametrize("change", [{"unit": "另一公司"}, {"id_last4": "1235"}, {"name": "钱磊 "}])
def test_unit_and_id_digits_are_part_of_the_person(db_url, users, change):
    eid, aid, code, _ = _granted(db_url, users)
    with uow.write_session(db_url) as s:
        allowlist.save_table(s, eid, [_row(db_url, eid, aid, **change)], actor=users["organizer"])
    expected = "ok" if change == {"name": "钱磊 "} else "needs_approval"  # a stray space is the same name
    assert _scan(eid, code, users).reason == expected


def test_an_edit_that_leaves_the_person_and_the_facts_keeps_the_exception(db_url, users):
    eid, aid, code, _ = _granted(db_url, users)
    with uow.write_session(db_url) as s:
        res = allowlist.save_table(s, eid, [_row(db_url, eid, aid, post="处长")], actor=users["organizer"])
    assert res == {"added": 0, "changed": 1, "removed": 0}
    with uow.read(db_url) as s:  # no exception asked again: only the edited list goes back to the leader
        assert [a.kind for a in approvals.pending(s)] == ["attendee_list"]
    assert _scan(eid, code, users).reason == "not_on_approved_list"  # edited after the approval (issue 11)
    reapprove_list(db_url, eid, users["organizer"])
    assert _scan(eid, code, users).reason == "ok"


def test_a_change_of_the_lifted_rules_facts_voids_it(db_url, users):
    ann = dict(QIAN, name="Ann Lee", nationality="GB", foreign_invested_staff=False)
    eid, aid, code, _ = _granted(db_url, users, ann)
    assert _scan(eid, code, users).reason == "ok"
    checkin.scan(eid, code, desk="d1", actor=users["front_desk"], direction="out")
    with uow.write_session(db_url) as s:
        res = allowlist.save_table(s, eid, [_row(db_url, eid, aid, nationality="US")], actor=users["organizer"])
    assert res["requeued"]
    assert _scan(eid, code, users, desk="d2").reason == "needs_approval"


def test_a_row_changed_behind_the_apps_back_is_caught_at_the_desk(db_url, users):
    eid, aid, code, _ = _granted(db_url, users)
    with uow.write_session(db_url) as s:
        s.execute(text("UPDATE attendees SET name = '孙强' WHERE id = :i"), {"i": aid})
    assert _scan(eid, code, users).reason == "needs_approval"
    with uow.read(db_url) as s:
        assert eligibility.granted_rules(s, aid) == set()


def test_the_new_item_when_approved_binds_to_the_new_person(db_url, users):
    eid, aid, code, _ = _granted(db_url, users)
    with uow.write_session(db_url) as s:
        [new_id] = allowlist.save_table(s, eid, [_row(db_url, eid, aid, name="孙强", id_last4="9876")],
                                        actor=users["organizer"])["requeued"]
    with uow.write_session(db_url) as s:
        approvals.decide(s, new_id, "approved", leader=users["leader2"], comment="")
    reapprove_list(db_url, eid, users["organizer"])  # the renamed person is on the list once it is approved again
    assert _scan(eid, code, users).reason == "ok"
    with uow.read(db_url) as s:
        steps = list(s.scalars(select(ApprovalStep).where(ApprovalStep.approval_id == new_id)))
        assert [st.action for st in steps] == ["requested", "approved"]


# ---- item 6: signing keys ------------------------------------------------------------------------------

@pytest.fixture
def event(db_url, users):
    eid, codes = make_event(db_url, users["organizer"], n=3)
    return eid, codes


def _issue(db_url, eid, users):
    with uow.write_session(db_url) as s:
        return tokens.codes_for_event(s, eid, actor=users["organizer"])


def _badges_cli(eid, tmp_path):
    out = tmp_path / "b.pdf"
    r = CliRunner(env=_PW).invoke(main, ["badges", str(eid), "--out", str(out), "--as", "organizer"])
    return r, out


def _assert_clean_refusal(r, out, *words):
    assert r.exit_code == 3, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.output and not out.exists()
    for w in words:
        assert w in r.output, r.output


def test_a_different_valid_key_is_refused_before_any_badge_is_printed(db_url, users, event, tmp_path):
    eid, _ = event
    path = tokens._key_path(eid)
    other = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                       serialization.NoEncryption())
    path.write_bytes(other)
    with pytest.raises(tokens.SigningKeyMismatch) as ei:
        _issue(db_url, eid, users)
    assert isinstance(ei.value, tokens.SigningKeyRefused)
    assert "conclave keys rotate" in ei.value.localized("zh_CN") and "密钥编号" in ei.value.localized("zh_CN")
    r, out = _badges_cli(eid, tmp_path)
    _assert_clean_refusal(r, out, "No badge was printed", f"conclave keys rotate {eid}")
    with uow.read(db_url) as s:
        assert "badge.issue" not in [e.action for e in audit.query(s)][-1:]  # nothing was issued with it
    with uow.write_session(db_url) as s:  # reissuing one badge is refused too, and rolls back the generation
        aid = next(iter(event[1]))
        with pytest.raises(tokens.SigningKeyMismatch):
            tokens.reissue(s, aid, actor=users["organizer"])


@pytest.mark.parametrize("damage, problem, zh", [
    ("truncated", "truncated", "截断"), ("folder", "folder", "文件夹"), ("garbage", "truncated", "字节"),
])
def test_a_damaged_key_is_a_clear_refusal_not_a_traceback(db_url, users, event, tmp_path, damage, problem, zh):
    eid, _ = event
    path = tokens._key_path(eid)
    raw = path.read_bytes()
    path.unlink()
    if damage == "truncated":
        path.write_bytes(raw[:20])
    elif damage == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n")
    if path.is_file():
        os.chmod(path, 0o600)
    with pytest.raises(tokens.SigningKeyUnreadable) as ei:
        _issue(db_url, eid, users)
    assert ei.value.problem == problem and zh in ei.value.localized("zh_CN")
    assert "{" not in ei.value.localized("en") and "{" not in ei.value.localized("zh_CN")
    r, out = _badges_cli(eid, tmp_path)
    _assert_clean_refusal(r, out, "cannot be used", "conclave keys rotate")


def test_an_unreadable_key_file_is_a_clear_refusal(db_url, users, event, tmp_path, monkeypatch):
    eid, _ = event
    path = tokens._key_path(eid)
    real = Path.read_bytes

    def deny(self):  # the tests run as root, where chmod 000 does not stop a read
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(tokens.SigningKeyUnreadable) as ei:
        _issue(db_url, eid, users)
    assert ei.value.problem == "unreadable" and "Permission denied" in ei.value.localized("en")
    assert "无法读取" in ei.value.localized("zh_CN")
    r, out = _badges_cli(eid, tmp_path)
    _assert_clean_refusal(r, out, "Permission denied")


def test_a_key_file_others_can_read_is_refused_until_its_mode_is_fixed(db_url, users, event, tmp_path):
    eid, _ = event
    path = tokens._key_path(eid)
    os.chmod(path, 0o644)
    with pytest.raises(tokens.SigningKeyExposed) as ei:
        _issue(db_url, eid, users)
    assert "0644" in ei.value.localized("en") and f"chmod 600 event-{eid}.ed25519" in ei.value.localized("zh_CN")
    r, out = _badges_cli(eid, tmp_path)
    _assert_clean_refusal(r, out, "0644", "chmod 600")
    os.chmod(path, 0o600)
    assert len(_issue(db_url, eid, users)) == 3


def test_the_missing_key_message_names_a_command_that_exists(db_url, users, event, tmp_path):
    eid, codes = event
    tokens._key_path(eid).unlink()
    with pytest.raises(tokens.SigningKeyMissing) as ei:
        _issue(db_url, eid, users)
    for lang in ("en", "zh_CN"):
        assert f"conclave keys rotate {eid}" in ei.value.localized(lang)
    r, out = _badges_cli(eid, tmp_path)
    _assert_clean_refusal(r, out, f"conclave keys rotate {eid}")
    r = CliRunner(env=_PW).invoke(main, ["keys", "rotate", str(eid), "--yes", "--as", "organizer"])  # the advice, followed, works
    assert r.exit_code == 0, r.output
    pairs = _issue(db_url, eid, users)
    assert {_scan(eid, c, users, desk="d1").reason for a, c in pairs} == {"ok"}
    assert {_scan(eid, c, users, desk="dx").reason for c in codes.values()} <= {"invalid", "revoked"}


def test_keys_rotate_revokes_every_old_badge_and_is_audited(db_url, users, event, tmp_path):
    eid, codes = event
    path = tokens._key_path(eid)
    old_secret = path.read_bytes()
    with uow.read(db_url) as s:
        from planners.store.models_checkin import EventKey

        old_key_id = s.get(EventKey, eid).key_id
    r = CliRunner(env=_PW).invoke(main, ["keys", "rotate", str(eid), "--yes", "--as", "organizer"])
    assert r.exit_code == 0, r.output
    assert "3 badges revoked" in r.output and f"conclave badges {eid}" in r.output
    assert path.read_bytes() != old_secret and _mode(path) == 0o600
    assert not path.with_name(path.name + ".new").exists()
    for code in codes.values():
        assert _scan(eid, code, users).reason in ("invalid", "revoked")
    pairs = _issue(db_url, eid, users)
    assert all(tokens.parse(c).generation == 2 for _, c in pairs)
    assert _scan(eid, pairs[0][1], users, desk="d2").reason == "ok"
    with uow.read(db_url) as s:
        [e] = [e for e in audit.query(s) if e.action == "badge.key_rotated"]
        details = json.loads(e.details)
        assert e.event_id == eid and details["badges_revoked"] == 3
        assert details["before"] == {"key_id": old_key_id} and details["after"]["key_id"] != old_key_id
        everything = " ".join(x.details for x in audit.query(s))
        assert old_secret.hex() not in everything and path.read_bytes().hex() not in everything
        assert str(path) not in everything
    r = CliRunner(env=_PW).invoke(main, ["keys", "rotate", str(eid), "--yes", "--lang", "zh_CN", "--as", "organizer"])
    assert r.exit_code == 0 and "张证件已作废" in r.output


def test_keys_rotate_refuses_gracefully(db_url, users, event, tmp_path, monkeypatch):
    eid, _ = event
    r = CliRunner(env=_PW).invoke(main, ["keys", "rotate", "999", "--yes", "--as", "admin"])
    assert r.exit_code == 3 and "Traceback" not in r.output and "999" in r.output
    r = CliRunner(env=_PW).invoke(main, ["keys", "rotate", str(eid), "--as", "organizer"], input="n\n")  # asked, and declined
    assert r.exit_code == 3 and "nothing changed" in r.output
    with uow.read(db_url) as s:
        assert "badge.key_rotated" not in [e.action for e in audit.query(s)]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("CONCLAVE_KEYS_DIR", str(blocker))  # the keys folder cannot be written
    r = CliRunner(env=_PW).invoke(main, ["keys", "rotate", str(eid), "--yes", "--as", "organizer"])
    assert r.exit_code == 3 and "Traceback" not in r.output and "error:" in r.output, r.output
    with uow.read(db_url) as s:
        assert "badge.key_rotated" not in [e.action for e in audit.query(s)]
        from planners.store.models_checkin import Badge

        assert {b.generation for b in s.scalars(select(Badge).where(Badge.event_id == eid))} == {1}


# ---- item 7 (database): private files --------------------------------------------------------------------

def test_a_new_database_and_its_wal_and_shm_are_0600(tmp_path):
    from planners.store import schema

    url = f"sqlite:///{tmp_path / 'fresh' / 'conclave.db'}"
    old = os.umask(0o022)
    try:
        schema.upgrade(url)
        with uow.write_session(url) as s:
            audit.record(s, actor="t", action="t.write")
        files = sorted((tmp_path / "fresh").iterdir())
        assert [f.name for f in files] == ["conclave.db", "conclave.db-shm", "conclave.db-wal"]
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        os.umask(old)
        dbmod.dispose_all()


def test_an_existing_database_file_is_not_chmod_ed_but_warned_about(tmp_path, caplog):
    from planners.store import schema

    path = tmp_path / "conclave.db"
    url = f"sqlite:///{path}"
    schema.upgrade(url)
    dbmod.dispose_all()
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="conclave.db"):
        schema.upgrade(url)
    assert _mode(path) == 0o644 and "chmod 600" in caplog.text and str(tmp_path) not in caplog.text
    dbmod.dispose_all()


def test_the_keys_folder_is_made_0700_and_an_existing_one_is_left_with_a_warning(db_url, users, tmp_path,
                                                                                    monkeypatch, caplog):
    folder = tmp_path / "keys"
    # the folder may exist already (the audit trail keeps its key and checkpoints there): it is 0700 either way
    old = os.umask(0o022)
    try:
        eid, _ = make_event(db_url, users["organizer"], n=1)
    finally:
        os.umask(old)
    assert _mode(folder) == 0o700 and _mode(tokens._key_path(eid)) == 0o600
    shared = tmp_path / "shared-keys"
    shared.mkdir()
    os.chmod(shared, 0o755)
    monkeypatch.setenv("CONCLAVE_KEYS_DIR", str(shared))
    with caplog.at_level(logging.WARNING, logger="conclave.keys"):
        eid2, _ = make_event(db_url, users["organizer"], n=1, title="第二个会")
    assert _mode(shared) == 0o755  # not forced (issue 19, item 8)
    assert "chmod 700" in caplog.text and _mode(tokens._key_path(eid2)) == 0o600
    assert str(shared) not in caplog.text


def test_no_traceback_text_reaches_the_user_from_a_key_refusal(db_url, users, event):
    eid, _ = event
    tokens._key_path(eid).write_bytes(b"short")
    try:
        _issue(db_url, eid, users)
    except tokens.SigningKeyRefused as exc:
        msg = exc.localized("en")
        assert "Traceback" not in msg and "File \"" not in msg
        assert isinstance(exc, __import__("planners.core.errors", fromlist=["ConclaveError"]).ConclaveError)
        assert traceback.format_exception_only(type(exc), exc)
    else:
        pytest.fail("a 5-byte key was used")


# ---- the same probes on SQLite and PostgreSQL --------------------------------------------------------------

@pytest.fixture
def both_db(any_db_url):
    from tests.conftest import make_user

    with uow.write_session(any_db_url) as s:
        people = {r: make_user(s, r, r) for r in ("organizer", "front_desk", "leader")}
    return any_db_url, people


@pytest.mark.pg
def test_id_reuse_after_delete_on_both_databases(both_db):
    url, users = both_db
    eid, codes = make_event(url, users["organizer"], n=3)
    newest = max(codes)
    with uow.write_session(url) as s:
        s.delete(s.get(Attendee, newest))
    with uow.write_session(url) as s:
        s.add(Attendee(event_id=eid, name="新来的人", unit="市商务局", id_last4="7777", **CLEARED))
    with uow.write_session(url) as s:
        pairs = tokens.codes_for_event(s, eid, actor=users["organizer"])
    assert newest not in {a.id for a, _ in pairs}
    v = checkin.scan(eid, codes[newest], desk="d1", actor=users["front_desk"], url=url)
    assert v.reason in ("not_on_list", "revoked", "invalid")


@pytest.mark.pg
def test_exception_void_after_an_identity_edit_on_both_databases(both_db):
    url, users = both_db
    eid, codes = make_event(url, users["organizer"], level="secret", people=[QIAN])
    [(aid, code)] = codes.items()
    with uow.write_session(url) as s:
        item = eligibility.request_exception(s, aid, actor=users["organizer"])
    with uow.write_session(url) as s:
        approvals.decide(s, item.id, "approved", leader=users["leader"], comment="")
    assert checkin.scan(eid, code, desk="d1", actor=users["front_desk"], url=url).reason == "ok"
    checkin.scan(eid, code, desk="d1", actor=users["front_desk"], url=url, direction="out")
    with uow.write_session(url) as s:
        a = s.get(Attendee, aid)
        row = {f: getattr(a, f) for f in allowlist.EDITABLE} | {"id": a.id, "name": "孙强", "id_last4": "9876"}
        assert allowlist.save_table(s, eid, [row], actor=users["organizer"])["requeued"]
    assert checkin.scan(eid, code, desk="d2", actor=users["front_desk"], url=url).reason == "needs_approval"
    with uow.read(url) as s:
        assert "钱磊" in s.get(Approval, item.id).title["zh_CN"]
        assert [p.title["zh_CN"] for p in approvals.pending(s)] and "孙强" in approvals.pending(s)[0].title["zh_CN"]
