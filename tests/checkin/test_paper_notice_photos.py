"""The paper fallback, the secrecy notice signed at the door, photos on file (issue 15)."""
from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from planners import checkin
from planners.checkin import notice, paper, photos, sync
from planners.checkin import sessions as ss
from planners.core import clock
from planners.core.errors import (
    PaperEntriesRefused,
    PermissionDenied,
    PhotoRefused,
    ValidationFailed,
)
from planners.store import uow
from planners.store.models import Attendee, AuditEntry
from planners.store.models_sessions import PhotoRecord
from tests.checkin.helpers import CLEARED, make_event

PEOPLE = [dict(name="王五", unit="市外办", id_last4="3333", **CLEARED),
          dict(name="赵六", unit="市财政局", id_last4="4444", **CLEARED),
          dict(name="钱七", unit="市财政局", id_last4="5555", **CLEARED)]


def _png(size=(1200, 900), fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def _text(pdf: bytes, tmp_path) -> str:
    f = tmp_path / "x.pdf"
    f.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(f), "-"], capture_output=True, text=True, check=True).stdout


def test_the_signin_sheet_sorted_by_unit_with_the_level_marking_in_both_languages(db_url, users, tmp_path):
    org = users["organizer"]
    eid, _ = make_event(db_url, org, level="confidential", people=PEOPLE)
    now = clock.utcnow().replace(tzinfo=__import__("datetime").timezone.utc)
    with uow.write_session(db_url) as s:
        ids = {a.name: a.id for a in s.scalars(select(Attendee).where(Attendee.event_id == eid))}
        sid = ss.create_session(s, eid, ss.SessionInput(title="闭门会议", start=now, end=now + timedelta(hours=1),
                                                        level="secret", admitted=(ids["赵六"],)), actor=org).id
        zh = _text(paper.signin_sheet(s, eid, lang="zh_CN", actor=org), tmp_path)
        en = _text(paper.signin_sheet(s, eid, session_id=sid, lang="en", actor=org), tmp_path)
        receipt = _text(paper.receipt_sheet(s, eid, lang="zh_CN", actor=org), tmp_path)
        with pytest.raises(PermissionDenied):
            paper.signin_sheet(s, eid, lang="zh_CN", actor=users["leader"])
    assert "机密" in zh and "签到表" in zh and "签名" in zh and "证件尾号" in zh
    rows = [n for n in ("王五", "赵六", "钱七")]
    order = sorted(rows, key=lambda n: zh.index(n))
    assert order == ["王五", "赵六", "钱七"] and "3333" in zh  # by unit (市外办 < 市财政局), then by name
    assert "Sign-in sheet" in en and "Session: 闭门会议" in en and "赵六" in en and "王五" not in en
    assert "Secret" in en or "秘密" in en
    assert "文件签收单" in receipt and "份号" in receipt


def test_paper_entries_are_entered_once_and_a_bad_row_is_refused_by_number(db_url, users):
    eid, _ = make_event(db_url, users["organizer"], people=PEOPLE, device_policy="none")
    with uow.read(db_url) as s:
        ids = sorted(s.scalars(select(Attendee.id).where(Attendee.event_id == eid)))
        from planners.store.models import Event

        ev = s.get(Event, eid)
        t = clock.local(ev.starts_at + timedelta(minutes=30), ev.tz).strftime("%Y-%m-%d %H:%M")
    good = f"attendee_id,time,desk\n{ids[0]},{t},d\n{ids[1]},{t},d\n".encode()
    res = sync.sync_paper(good, eid, actor="cli:test")
    assert res.counts["merged"] == 2
    assert sync.sync_paper(good, eid, actor="cli:test").counts["seen"] == 2
    with uow.read(db_url) as s:
        assert {p["id"] for p in checkin.inside_now(s, eid)} == set(ids[:2])
    with pytest.raises(PaperEntriesRefused) as e:
        sync.sync_paper(f"attendee_id,time,desk\n{ids[2]},{t},d\n{ids[2]},tomorrow,d\n".encode(), eid, actor="x")
    assert e.value.params["row"] == 3 and "第3行" in e.value.localized("zh_CN")


def test_a_missing_notice_signature_is_an_attention_item_until_the_desk_ticks_it(db_url, users):
    org, desk = users["organizer"], users["front_desk"]
    eid, codes = make_event(db_url, org, people=PEOPLE, device_policy="none")
    with uow.write_session(db_url) as s:
        notice.save(s, eid, "一、不得携带手机进入会场。", actor=org)
        v2 = notice.save(s, eid, "一、不得携带手机进入会场。二、不得记录。", actor=org).version
        with pytest.raises(ValidationFailed):
            notice.save(s, eid, "   ", actor=org)
    aid, bid = list(codes)[:2]
    v = checkin.scan(eid, codes[aid], desk="d", actor=desk)
    item = [a for a in v.require_attention if a["code"] == "secrecy_notice"]
    assert v.ok and item and item[0]["version"] == 2 and "第2版" in item[0]["text"]["zh_CN"]
    with uow.write_session(db_url) as s:
        assert "signed version 2" in notice.sign(s, eid, bid, version=v2, desk="d", actor=desk)["en"]
        with pytest.raises(PermissionDenied):
            notice.sign(s, eid, bid, version=v2, desk="d", actor=org)
    v = checkin.scan(eid, codes[bid], desk="d", actor=desk)
    assert v.ok and not [a for a in v.require_attention if a["code"] == "secrecy_notice"]


def test_photos_resized_stored_once_refused_when_not_images_or_too_large_and_purged_audited(db_url, users):
    org, desk, admin = users["organizer"], users["front_desk"], users["admin"]
    eid, _ = make_event(db_url, org, people=PEOPLE)
    with uow.write_session(db_url) as s:
        ids = sorted(s.scalars(select(Attendee.id).where(Attendee.event_id == eid)))
        photos.set_photo(s, ids[0], _png(), actor=org)
        a = s.get(Attendee, ids[0])
        with Image.open(io.BytesIO(a.photo)) as im:
            assert max(im.size) <= 480 and im.format == "JPEG"
        with pytest.raises(PhotoRefused) as e:
            photos.set_photo(s, ids[1], b"%PDF-1.4 not an image", actor=org)
        assert "not an image" in e.value.localized("en") and "不是图片" in e.value.localized("zh_CN")
        with pytest.raises(PhotoRefused) as e:
            photos.set_photo(s, ids[1], b"\xff\xd8" + b"0" * (30 * 1024 * 1024), actor=org)
        assert "30.0 MB" in e.value.localized("en") and "20 MB" in e.value.localized("en")
        with pytest.raises(PhotoRefused):
            photos.set_photo(s, ids[1], _png(), actor=desk, source="camera", consent=False)
        photos.set_photo(s, ids[1], _png(fmt="JPEG"), actor=desk, source="camera", consent=True)
        assert s.scalar(select(PhotoRecord).where(PhotoRecord.attendee_id == ids[1])).consent is True
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("5555.png", _png())
            z.writestr("row-1.png", _png())
            z.writestr("notes.txt", "x")
            z.writestr("9999.jpg", _png())
        got = photos.import_zip(s, eid, buf.getvalue(), actor=org)
        assert got["set"] == 2 and sorted(m for m, _ in got["skipped"]) == ["9999.jpg", "notes.txt"]
        roll = checkin.roll_call_csv(s, eid)
        assert b"\xff\xd8" not in roll
        with pytest.raises(PermissionDenied):
            photos.purge_event(s, eid, actor=org, reason="x")
        with pytest.raises(ValidationFailed):
            photos.purge_event(s, eid, actor=admin)
        assert photos.purge_event(s, eid, actor=admin, reason="会议取消，提前删除") == 3
        assert s.scalar(select(Attendee).where(Attendee.event_id == eid, Attendee.photo.is_not(None))) is None
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "photo.purged")) is not None
