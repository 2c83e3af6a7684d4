"""The launch settings Conclave needs, whatever folder or launcher started it (pure: the page passes the values).

`.streamlit/config.toml` holds the safe settings, but Streamlit reads it from the working folder and the main
script's folder, and a launcher or a Streamlit version may read neither (then: every interface, usage
statistics on, 200 MB uploads). So the app checks what it was really started with, at its first run:

- usage statistics on (`browser.gatherUsageStats`): refused. Conclave never calls out; the browser was told to
  at that launch, so the app refuses to serve until it is restarted with the setting off (and turns it off for
  what follows).
- a server address other than loopback (or none: every interface): refused unless `CONCLAVE_ALLOW_LAN=1` asks
  for it explicitly (`make run HOST=0.0.0.0` sets it). Then the sign-in form says that plain HTTP carries the
  password readable, unless Streamlit itself serves TLS (`server.sslCertFile`); README: TLS through a reverse
  proxy.
- uploads larger than `MAX_UPLOAD_MB`: the cap is set (the server checks it at every upload)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ALLOW_LAN_ENV = "CONCLAVE_ALLOW_LAN"
MAX_UPLOAD_MB = 20
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
SAFE_START = ("make run (from the checkout), or: streamlit run app.py --server.address 127.0.0.1 "
              "--browser.gatherUsageStats false --server.maxUploadSize 20")


@dataclass(frozen=True)
class Problem:
    key: str  # locale key
    english: str
    params: dict = field(default_factory=dict)


@dataclass
class LaunchCheck:
    refusals: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # options the app sets itself

    @property
    def ok(self) -> bool:
        return not self.refusals

    def summary(self, options: Mapping[str, Any]) -> str:
        """One line for the server's log."""
        if self.refusals:
            return "conclave: REFUSING TO SERVE: " + " ".join(p.english for p in self.refusals)
        line = (f"conclave: launch settings checked: address {options.get('server.address') or 'every interface'}, "
                f"usage statistics off, uploads <= {self.settings.get('server.maxUploadSize', options.get('server.maxUploadSize'))} MB")
        return line + "".join(f"; WARNING: {w.english}" for w in self.warnings)


def is_loopback(address: Any) -> bool:
    return bool(address) and str(address).strip().lower() in LOOPBACK


def lan_allowed(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get(ALLOW_LAN_ENV, "").strip().lower() in {"1", "yes", "true"}


def check(options: Mapping[str, Any], env: Mapping[str, str] | None = None) -> LaunchCheck:
    """`options`: the Streamlit options as launched (browser.gatherUsageStats, server.address,
    server.maxUploadSize, server.sslCertFile)."""
    out = LaunchCheck()
    if options.get("browser.gatherUsageStats"):
        out.refusals.append(Problem(
            "launch.usage_stats",
            "Usage statistics are on (browser.gatherUsageStats = true): Conclave never calls out. Restart it "
            f"with them off: {SAFE_START}.", {"start": SAFE_START}))
        out.settings["browser.gatherUsageStats"] = False
    address = options.get("server.address")
    if not is_loopback(address):
        shown = str(address) if address else "every interface"
        if not lan_allowed(env):
            out.refusals.append(Problem(
                "launch.lan_refused",
                f"The server listens on {shown}, not only on this machine, and plain HTTP would carry passwords "
                f"readable across the network. Restart it on 127.0.0.1 ({SAFE_START}), or, to serve the network "
                f"on purpose behind a TLS reverse proxy, set {ALLOW_LAN_ENV}=1 (make run HOST=0.0.0.0 does).",
                {"address": shown, "start": SAFE_START, "env": ALLOW_LAN_ENV}))
        elif not options.get("server.sslCertFile"):
            out.warnings.append(Problem(
                "auth.lan_plain_http",
                f"serving {shown} over plain HTTP on request ({ALLOW_LAN_ENV}=1): passwords cross the network "
                "readable unless a TLS reverse proxy is in front (README)."))
    size = options.get("server.maxUploadSize")
    if not isinstance(size, (int, float)) or size <= 0 or size > MAX_UPLOAD_MB:
        out.settings["server.maxUploadSize"] = MAX_UPLOAD_MB
    return out
