"""Badge tokens: signed, compact, and refused when altered in any way."""
from __future__ import annotations

import os
import stat
from datetime import datetime

import pytest

from planners import checkin
from planners.attendees import badges as tokens
from planners.store import uow
from planners.store.models_checkin import EventKey
from tests.checkin.helpers import make_event

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@pytest.fixture
def badge(db_url, users):
    eid, codes = make_event(db_url, users["organizer"], n=2)
    aid, code = next(iter(codes.items()))
    return eid, aid, code


def test_a_signed_code_reads_back_with_its_fields(badge, db_url):
    eid, aid, code = badge
    assert code.startswith("CV1:") and len(code) == tokens.TEXT_LEN
    tok = tokens.parse(code)
    assert (tok.event_id, tok.attendee_id, tok.generation) == (eid, aid, 1)
    assert tok.valid_from < tok.valid_until
    with uow.read(db_url) as s:
        assert tokens.verify(tok, s.get(EventKey, eid).public_key)


def test_the_code_is_qr_alphanumeric_so_it_makes_a_dense_qr(badge):
    assert set(badge[2][4:]) <= set(ALPHABET)


def test_every_single_character_alteration_of_a_valid_code_is_refused(badge, db_url):
    eid, aid, code = badge
    with uow.read(db_url) as s:
        pub = s.get(EventKey, eid).public_key
    tested = 0
    for i, ch in enumerate(code):
        for repl in set(ALPHABET + ":1v") - {ch}:
            altered = code[:i] + repl + code[i + 1:]
            try:
                tok = tokens.parse(altered)
            except tokens.TokenError:
                tested += 1
                continue
            assert not tokens.verify(tok, pub), f"position {i}: {ch}->{repl} still verifies"
            tested += 1
    assert tested >= len(code) * 30


def test_every_single_character_alteration_is_refused_at_the_desk_too(badge, db_url, users):
    eid, aid, code = badge
    for i in range(0, len(code), 7):
        repl = "B" if code[i] != "B" else "C"
        v = checkin.scan(eid, code[:i] + repl + code[i + 1:], desk="d1", actor=users["front_desk"])
        assert v.reason == "invalid" and not v.ok


def test_the_private_key_is_a_0600_file_outside_the_database_and_never_in_the_audit(badge, db_url):
    eid, _aid, _code = badge
    path = tokens._key_path(eid)
    assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    secret = path.read_bytes()
    with uow.read(db_url) as s:
        from planners.base import audit

        details = " ".join(e.details for e in audit.query(s))
    assert secret.hex() not in details and str(path) not in details
    assert "keys" not in details


def test_a_reissued_badge_revokes_the_old_one(badge, db_url, users):
    eid, aid, old = badge
    with uow.write_session(db_url) as s:
        new = tokens.reissue(s, aid, actor=users["organizer"])
    assert tokens.parse(new).generation == 2
    assert checkin.scan(eid, old, desk="d1", actor=users["front_desk"]).reason == "revoked"
    assert checkin.scan(eid, new, desk="d1", actor=users["front_desk"]).reason == "ok"


def test_only_the_organizer_issues_badges(badge, db_url, users):
    from planners.core.errors import PermissionDenied

    eid, aid, _ = badge
    with pytest.raises(PermissionDenied):
        with uow.write_session(db_url) as s:
            tokens.reissue(s, aid, actor=users["front_desk"])


def test_minutes_round_trip_keeps_the_window():
    dt = datetime(2026, 11, 27, 8, 30)
    assert tokens._from_minutes(tokens._minutes(dt)) == dt
