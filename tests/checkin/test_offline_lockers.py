"""The offline page hands out lockers (issue 15): the verdict names the locker, the exit gives the phone back, and
the page counts the lockers in use (the pack's and this desk's). Both engines: tests/store/
test_offline_lockers_both_engines.py."""
from __future__ import annotations

import sys

from planners import checkin
from planners.checkin import offline
from planners.store import uow
from tests.checkin.helpers import make_event
from tests.conftest import ROOT


def test_the_offline_page_names_the_locker_and_counts_the_lockers_in_use(db_url, users, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    eid, codes = make_event(db_url, users["organizer"], n=2, device_policy="lockers")
    (c1, c2) = codes.values()
    assert checkin.scan(eid, c1, desk="D1", actor=users["front_desk"]).reason == "ok"  # locker 1, in the pack
    with uow.write_session(db_url) as s:
        (tmp_path / "p").write_bytes(offline.make_pack(s, eid, actor="test"))
    monkeypatch.setattr(sys, "argv", ["offline_app.py", str(tmp_path / "p"), str(tmp_path / "l"), "offline"])
    at = AppTest.from_file(str(ROOT / "offline_app.py"), default_timeout=30)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    in_use = lambda: next(m.value for m in at.metric if m.label == "Lockers in use")  # noqa: E731
    assert in_use() == "1"
    at.text_input(key="offline_scan").set_value(c2).run()
    verdict = " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)
    assert "green" in verdict and "locker 2" in verdict and in_use() == "2"
    at.radio(key="offline_mode").set_value("Check-out").run()
    at.text_input(key="offline_scan").set_value(c1).run()
    verdict = " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)
    assert "Return the phone from locker 1" in verdict and in_use() == "1"
