"""The safe settings are the app's own (issue 19, item 6): a real `streamlit run /checkout/app.py` started from
another folder listens on loopback only, tells the browser no usage statistics, and the app checks its launch:
a network address not asked for, or usage statistics on, get a refusal instead of the sign-in form.

Each test starts a real server (a free port, HOME and the working folder in a temp dir so no other
config.toml is read), waits on its health endpoint, runs the app once over the websocket as a browser would,
and kills the server."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from planners.base import launch_check
from tests.conftest import ROOT

BOOT_TIMEOUT_S = 90
RUN_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """The local addresses the port listens on, from /proc/net/tcp{,6} (state 0A = LISTEN)."""
    out = set()
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            addr, p = cols[1].split(":")
            if cols[3] != "0A" or int(p, 16) != port:
                continue
            if v6:
                raw = bytes.fromhex(addr)
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                out.add(socket.inet_ntop(socket.AF_INET6, words))
            else:
                out.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return out


class Launch:
    def __init__(self, tmp: Path, *args: str, env: dict | None = None, cwd: Path | None = None):
        self.port = _free_port()
        self.tmp = tmp
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMLIT_", "CONCLAVE_ALLOW"))}
        environ.update(HOME=str(tmp), DATABASE_URL=f"sqlite:///{tmp / 'conclave.db'}",
                       CONCLAVE_KEYS_DIR=str(tmp / "keys"), PYTHONDONTWRITEBYTECODE="1", **(env or {}))
        self.log = open(tmp / "server.log", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(self.port),
             "--server.headless", "true", *args],
            cwd=cwd or tmp, env=environ, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_healthy(self) -> None:
        deadline = time.time() + BOOT_TIMEOUT_S
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited ({self.proc.returncode}): {self.output()}")
            try:
                r = requests.get(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2)
                if r.status_code == 200 and r.text.strip() == "ok":
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(f"no health answer in {BOOT_TIMEOUT_S} s: {self.output()}")

    def first_run(self) -> tuple[bool, bytes]:
        """Run the app once as a browser tab (English): (usage statistics flag sent to the browser, every
        message the run sent, concatenated)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.sync.client import connect

        stats, blob = None, b""
        with connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                     open_timeout=30, max_size=None) as ws:
            back = BackMsg()
            back.rerun_script.query_string = "lang=en"
            ws.send(back.SerializeToString())
            deadline = time.time() + RUN_TIMEOUT_S
            while time.time() < deadline:
                data = ws.recv(timeout=RUN_TIMEOUT_S)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                blob += data
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    stats = msg.new_session.config.gather_usage_stats
                elif kind == "script_finished" and stats is not None:
                    return stats, blob
        raise AssertionError(f"the app did not finish a run in {RUN_TIMEOUT_S} s: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return (self.tmp / "server.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(30)
        self.log.close()


@pytest.fixture
def launch(tmp_path_factory):
    started: list[Launch] = []

    def start(*args: str, env: dict | None = None, cwd: Path | None = None) -> Launch:
        folder = tmp_path_factory.mktemp("elsewhere")
        srv = Launch(folder, *args, env=env, cwd=cwd)
        started.append(srv)
        srv.wait_healthy()
        return srv

    yield start
    for srv in started:
        srv.stop()


def test_a_launch_from_another_folder_listens_on_loopback_and_calls_nothing_out(launch):
    srv = launch()
    assert _listening_addresses(srv.port) == {"127.0.0.1"}
    stats, blob = srv.first_run()
    assert stats is False
    assert b"Sign in to Conclave" in blob and b"refuses to serve" not in blob
    assert "conclave: launch settings checked: address 127.0.0.1, usage statistics off, uploads <= 20 MB" \
        in srv.output()


def test_a_network_address_not_asked_for_gets_a_refusal_not_a_sign_in_form(launch):
    srv = launch("--server.address", "0.0.0.0")
    _stats, blob = srv.first_run()
    assert b"Conclave refuses to serve: the server listens on 0.0.0.0" in blob
    assert b"CONCLAVE_ALLOW_LAN=1" in blob
    assert b"Sign in to Conclave" not in blob and b"Password" not in blob
    assert "conclave: REFUSING TO SERVE" in srv.output()


def test_usage_statistics_on_get_a_refusal(launch):
    srv = launch("--browser.gatherUsageStats", "true")
    _stats, blob = srv.first_run()
    assert b"usage statistics are on" in blob and b"Password" not in blob


def test_the_network_asked_for_explicitly_is_served_with_the_plain_http_warning(launch):
    srv = launch("--server.address", "0.0.0.0", env={"CONCLAVE_ALLOW_LAN": "1"})
    assert "0.0.0.0" in _listening_addresses(srv.port)
    _stats, blob = srv.first_run()
    assert b"Sign in to Conclave" in blob
    assert b"plain HTTP" in blob and b"TLS reverse proxy" in blob
    assert "WARNING: serving 0.0.0.0 over plain HTTP" in srv.output()


# --- the check itself, without a server --------------------------------------------------------------------

SAFE = {"browser.gatherUsageStats": False, "server.address": "127.0.0.1", "server.maxUploadSize": 20}


def test_the_defaults_of_a_launch_that_read_no_config_are_refused():
    res = launch_check.check({"browser.gatherUsageStats": True, "server.address": None,
                              "server.maxUploadSize": 200}, env={})
    assert [p.key for p in res.refusals] == ["launch.usage_stats", "launch.lan_refused"]
    assert res.refusals[1].params["address"] == "every interface"
    assert res.settings == {"browser.gatherUsageStats": False, "server.maxUploadSize": 20}


def test_the_safe_launch_passes_and_an_upload_cap_above_the_limit_is_lowered():
    assert launch_check.check(SAFE, env={}).ok and not launch_check.check(SAFE, env={}).settings
    res = launch_check.check({**SAFE, "server.maxUploadSize": 1000}, env={})
    assert res.ok and res.settings == {"server.maxUploadSize": launch_check.MAX_UPLOAD_MB}


def test_the_network_with_tls_served_by_streamlit_needs_no_plain_http_warning():
    opts = {**SAFE, "server.address": "10.1.2.3", "server.sslCertFile": "/etc/conclave/cert.pem"}
    res = launch_check.check(opts, env={"CONCLAVE_ALLOW_LAN": "1"})
    assert res.ok and res.warnings == []
    res = launch_check.check({**opts, "server.sslCertFile": None}, env={"CONCLAVE_ALLOW_LAN": "1"})
    assert res.ok and [w.key for w in res.warnings] == ["auth.lan_plain_http"]
