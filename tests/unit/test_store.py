import os
import re
import sqlite3
import zipfile

import pytest
from click.testing import CliRunner

from planners.base import backup
from planners.core.errors import SchemaError
from planners.store import schema
from planners.store.db import dispose_all
from planners.store.uow import read as read_session, write_session
from planners.store.models import Event, User


def test_upgrade_is_idempotent_and_reaches_head(db_url):
    schema.upgrade(db_url)
    assert schema.is_current(db_url)


def test_a_database_from_a_newer_schema_is_refused_untouched(db_url):
    path = db_url[len("sqlite:///"):]
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='9999_future'")
    con.commit()
    con.close()
    dispose_all()
    with pytest.raises(SchemaError, match="newer Conclave"):
        schema.upgrade(db_url)
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999_future",)]


def test_a_read_only_database_is_refused_with_what_to_do(db_url, monkeypatch):
    path = db_url[len("sqlite:///"):]
    real_access = os.access
    # root ignores file modes, so the test makes the file read-only the way the app sees it
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == path and mode == os.W_OK
                        else real_access(p, mode))
    with pytest.raises(SchemaError, match="read-only") as exc:
        schema.upgrade(db_url)
    assert "chmod" in str(exc.value)


def test_a_missing_database_folder_is_created(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'sub' / 'c.db'}"
    schema.upgrade(url)
    assert schema.is_current(url)
    dispose_all()


def test_backup_then_restore_brings_back_the_data(db_url, demo, tmp_path):
    out = tmp_path / "b.zip"
    with read_session() as s:
        titles = sorted(e.title for e in s.query(Event))
    m = backup.backup(db_url, out)
    assert len(m["sha256"]) == 64
    with write_session() as s:  # (an event with plan marks cannot be deleted: the marks are append-only)
        assert s.query(Event).filter(Event.title.like("%代表团%")).update(
            {Event.title: "改掉的标题"}, synchronize_session=False) == 1
    backup.restore(db_url, out)
    with read_session() as s:
        assert sorted(e.title for e in s.query(Event)) == titles


@pytest.mark.parametrize("damage", ["checksum", "not_zip", "no_manifest"])
def test_restore_refuses_a_corrupt_or_foreign_file_and_keeps_the_database(db_url, demo, tmp_path, damage):
    good = tmp_path / "b.zip"
    backup.backup(db_url, good)
    bad = tmp_path / "bad.zip"
    if damage == "checksum":
        with zipfile.ZipFile(good) as z, zipfile.ZipFile(bad, "w") as w:
            data = bytearray(z.read("conclave.db"))
            data[5000] ^= 0xFF
            w.writestr("conclave.db", bytes(data))
            w.writestr("manifest.json", z.read("manifest.json"))
    elif damage == "not_zip":
        bad.write_bytes(b"hello, I am not a backup")
    else:
        with zipfile.ZipFile(bad, "w") as w:
            w.writestr("other.txt", "x")
    with read_session() as s:
        before = s.query(Event).count()
    with pytest.raises(backup.BackupRefused, match="untouched"):
        backup.restore(db_url, bad)
    with read_session() as s:
        assert s.query(Event).count() == before


def test_cli_init_demo_events_verify(db_url, monkeypatch):
    import json

    from sqlalchemy import select

    from planners.base import auth
    from planners.cli import main

    r = CliRunner()
    res = r.invoke(main, ["init"])
    assert res.exit_code == 0 and "one-time password" in res.output
    admin_pw = re.search(r"one-time password: (\S+)", res.output).group(1)
    res = r.invoke(main, ["demo"])
    assert res.exit_code == 0 and "organizer" in res.output
    res = r.invoke(main, ["demo"])
    assert "nothing changed" in res.output
    res = r.invoke(main, ["events", "--json"])
    rows = json.loads(res.output)
    assert {r["kind"] for r in rows} == {"meeting", "foreign_visit"}
    assert set(rows[0]) >= {"id", "title", "kind", "level", "start", "end", "status"}
    res = r.invoke(main, ["audit", "verify"])
    assert res.exit_code == 0 and "intact" in res.output
    first = re.search(r"one-time password: (\S+)", r.invoke(main, ["init"]).output)
    assert first is None  # accounts exist already: init prints no password again
    res = r.invoke(main, ["user", "add", "neu", "--role", "leader", "--as", "admin"],
                   env={"CONCLAVE_PASSWORD": admin_pw})
    assert res.exit_code == 3 and "one-time password" in res.output  # chosen on the web page first
    with write_session() as s:
        auth.change_password(s, s.scalar(select(User.id).where(User.username == "admin")), admin_pw,
                             "the-admins-own-password")
    res = r.invoke(main, ["user", "add", "neu", "--role", "leader", "--as", "admin"],
                   env={"CONCLAVE_PASSWORD": "the-admins-own-password"})
    assert res.exit_code == 0 and "one-time password" in res.output


def test_cli_audit_verify_fails_on_tampering(db_url):
    from planners.cli import main

    r = CliRunner()
    r.invoke(main, ["init"])
    path = db_url[len("sqlite:///"):]
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER audit_entries_no_update")
    con.execute("UPDATE audit_entries SET actor='x' WHERE id=1")
    con.commit()
    con.close()
    res = r.invoke(main, ["audit", "verify"])
    assert res.exit_code == 3 and "entry 1" in res.output


def test_demo_meeting_has_about_forty_attendees_some_ineligible(db_url, demo):
    from planners.store.models import Attendee

    meeting = demo.events["q4-trade-meeting"]
    with read_session() as s:
        att = s.query(Attendee).filter_by(event_id=meeting.id).all()
    assert 38 <= len(att) <= 45
    assert any(a.nationality != "CN" for a in att)
    assert any(a.foreign_invested_staff for a in att)
    assert any(a.clearance == "secret" for a in att)


def test_an_unreachable_database_server_is_reported_with_what_to_do():
    from tests.pgserver import _free_port

    url = f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/nothing"
    with pytest.raises(SchemaError, match="Nothing was changed"):
        schema.upgrade(url)
    dispose_all()


def test_the_app_shows_the_database_error_instead_of_a_page(tmp_path, monkeypatch):
    from tests.conftest import app_test
    from tests.pgserver import _free_port

    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/nothing")
    at = app_test("home").run()
    assert not at.exception
    assert len(at.error) == 1 and "Cannot open or upgrade the database" in at.error[0].value
    assert not at.text_input  # no sign-in form over a broken database
    dispose_all()


def test_the_schema_has_one_head():
    assert schema.head_revisions() == {"0017_session_documents"}
