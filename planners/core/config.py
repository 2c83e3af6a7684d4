"""Where things live. Everything is overridable by environment variables, nothing is fetched."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
RULES_DIR = DATA_DIR / "rules"
LOCALES_DIR = DATA_DIR / "locales"
DEMO_DIR = DATA_DIR / "demo"
DEFAULT_DB_PATH = DATA_DIR / "conclave.db"
KEYS_DIR_DEFAULT = DATA_DIR / "keys"  # per-event signing keys; git-ignored


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{DEFAULT_DB_PATH}"


def keys_dir() -> Path:
    return Path(os.environ.get("CONCLAVE_KEYS_DIR", str(KEYS_DIR_DEFAULT)))


# Sign-in lockout policy
MAX_FAILED_SIGNINS = int(os.environ.get("CONCLAVE_MAX_FAILED_SIGNINS", "5"))
LOCKOUT_MINUTES = int(os.environ.get("CONCLAVE_LOCKOUT_MINUTES", "15"))


def run_marker() -> bool:
    """CONCLAVE_RUN_MARKER set: every full page run draws a hidden marker numbered per run in the sidebar, before
    the page (app.py), which the page benchmark and browser tests wait on (issue 17). Off in service."""
    return bool(os.environ.get("CONCLAVE_RUN_MARKER", "").strip())
