"""The offline desk from the command line and its local page (issue 15): pack, one scripted scan, sync; refusals
exit 3; a desk killed mid-scan (kill -9) loses no recorded scan."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from planners.checkin import offline
from planners.cli.main import main
from tests.checkin.helpers import make_event, register_desks
from tests.conftest import ROOT


def test_pack_scan_offline_and_sync_on_the_command_line(db_url, users, tmp_path):
    eid, codes = make_event(db_url, users["organizer"], n=3, device_policy="none")
    register_desks(db_url, "offline")
    r = CliRunner()
    pack = tmp_path / "e.pack"
    got = r.invoke(main, ["desk", "pack", str(eid), "--out", str(pack), "--lang", "zh_CN"])
    assert got.exit_code == 0, got.output
    assert "签到包" in got.output and "3人" in got.output
    log = tmp_path / "e.log"
    first = next(iter(codes.values()))
    got = r.invoke(main, ["desk", "offline", str(pack), "--log", str(log), "--scan", first, "--json"])
    assert got.exit_code == 0 and json.loads(got.output)["reason"] == "ok" and json.loads(got.output)["offline"]
    got = r.invoke(main, ["desk", "offline", str(pack), "--log", str(log), "--scan", first, "--json"])
    assert got.exit_code == 3 and json.loads(got.output)["reason"] == "already_checked_in"
    got = r.invoke(main, ["desk", "sync", str(log), "--json"])
    assert got.exit_code == 0 and json.loads(got.output)["merged"] == 1 and json.loads(got.output)["refused"] == 1
    got = r.invoke(main, ["desk", "sync", str(log), "--json"])
    assert json.loads(got.output)["seen"] == 2 and json.loads(got.output)["merged"] == 0
    body = json.loads(pack.read_text())
    body["signature"] = body["signature"][::-1]
    pack.write_text(json.dumps(body))
    got = r.invoke(main, ["desk", "offline", str(pack), "--log", str(tmp_path / "x.log"), "--scan", first])
    assert got.exit_code == 3 and "refused" in got.output


_WORKER = """
import sys, time
sys.path.insert(0, {root!r})
from planners.checkin import offline
desk = offline.open_desk({pack!r}, {log!r})
codes = {codes!r}
for i in range(100000):
    v = desk.decide(codes[i % len(codes)], direction="in" if (i // len(codes)) % 2 == 0 else "out")
    print(v.scan_id, flush=True)
"""


def test_killing_the_offline_desk_mid_scan_loses_no_recorded_scan(db_url, users, tmp_path):
    eid, codes = make_event(db_url, users["organizer"], n=5, device_policy="none")
    from planners.store import uow

    with uow.write_session(db_url) as s:
        (tmp_path / "p").write_bytes(offline.make_pack(s, eid, actor="test"))
    log = tmp_path / "l"
    script = _WORKER.format(root=str(ROOT), pack=str(tmp_path / "p"), log=str(log), codes=list(codes.values()))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    answered = []
    deadline = time.monotonic() + 60
    while len(answered) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            answered.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)  # mid-scan: the loop never pauses
    proc.wait()
    header, entries = offline.read_log(log)  # the chain is whole
    assert len(entries) >= len(answered) >= 40  # every scan the desk answered is on disk
    assert [e["n"] for e in entries] == list(range(1, len(entries) + 1))
    desk = offline.open_desk(tmp_path / "p", log)  # and the desk restarts on it
    assert desk.entries() == len(entries)
    desk.close()


def test_the_offline_page_is_marked_offline_in_red(db_url, users, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    eid, codes = make_event(db_url, users["organizer"], n=2, device_policy="none")
    from planners.store import uow

    with uow.write_session(db_url) as s:
        (tmp_path / "p").write_bytes(offline.make_pack(s, eid, actor="test"))
    monkeypatch.setattr(sys, "argv", ["offline_app.py", str(tmp_path / "p"), str(tmp_path / "l"), "offline"])
    at = AppTest.from_file(str(ROOT / "offline_app.py"), default_timeout=30).run()
    assert not at.exception
    banner = " ".join(m.value for m in at.markdown if "offline-banner" in m.value)
    assert "OFFLINE" in banner and "#b00020" in banner
    at.text_input(key="offline_scan").set_value(next(iter(codes.values()))).run()
    verdict = " ".join(m.value for m in at.markdown if "data-testid='verdict'" in m.value)
    assert "green" in verdict
