"""Browser tests: a real Streamlit server on loopback and Debian's Chromium driven by Playwright.

Never `playwright install`: we launch /usr/bin/chromium with the flags this closed network needs."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CONCLAVE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# Every wait in a browser test is a condition with this generous limit: the suite must also pass on a loaded
# machine (two cores shared with other work), where a rerun can take many seconds.
LIMIT_MS = int(os.environ.get("CONCLAVE_E2E_LIMIT_MS", "90000"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on a free loopback port against `db_url`."""

    def __init__(self, db_url: str, keys_dir: str, extra_env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": db_url, "CONCLAVE_KEYS_DIR": keys_dir, **(extra_env or {})}
        self.log = open(Path(keys_dir).parent / f"streamlit-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {self.log.name}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def wait_idle(page, timeout: float = LIMIT_MS) -> None:
    """Wait until Streamlit has finished running the script for the last interaction."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Stop/)",
        timeout=timeout)
    page.wait_for_timeout(150)


def sign_in(page, base: str, username: str, password: str, path: str = "", lang: str = "en") -> None:
    """Sign in through the form (in English unless told otherwise) and wait for the signed-in sidebar."""
    page.goto(f"{base}/{path}?lang={lang}")
    form = page.locator("[data-testid='stForm']")
    form.locator("input[type='text']").first.fill(username)
    form.locator("input[type='password']").fill(password)
    form.locator("button").filter(has_text="Sign in").or_(form.locator("button").filter(has_text="登录")).click()
    page.wait_for_selector("[data-testid='stSidebar'] >> text=/Signed in as|当前用户/", timeout=LIMIT_MS)
