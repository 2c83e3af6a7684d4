"""Private key files: the keys folder (created 0700, an existing wider one only warned about) and key files
written 0600, never overwritten. Used by the badge keys and the audit key."""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from planners.core.config import keys_dir

log = logging.getLogger("conclave.keys")


def ensure_keys_dir(folder: Path | None = None) -> Path:
    """The keys folder: created 0700 if missing. An existing folder is never chmod-ed (issue 19, item 8: that
    would break a deliberate set-up); a folder others can read is logged as a warning instead."""
    folder = folder or keys_dir()
    if not folder.exists():
        old = os.umask(0o077)
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        finally:
            os.umask(old)
        os.chmod(folder, 0o700)
    else:
        mode = stat.S_IMODE(folder.stat().st_mode)
        if mode & 0o077:
            from planners.core.i18n import t

            log.warning(t("checkin.keys_dir_open", "en", mode=f"{mode:04o}"))
    return folder


def write_private(path: Path, key: Ed25519PrivateKey) -> None:
    ensure_keys_dir(path.parent)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
    os.chmod(path, 0o600)
