"""Working files of a backup or restore: created 0600 beside their target, removed on any exit, and those left
by a process killed outright removed at the next backup, restore or start (`cleanup_leftovers`)."""
from __future__ import annotations

import json
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

WORK_TAG = ".conclave-work-"



def _registry(folder: Path) -> Path:
    return folder / ".conclave-work.jsonl"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cleanup_leftovers(*folders: Path) -> list[Path]:
    """Remove working copies and `.part` files left by a backup or restore that was killed (its process is gone),
    in `folders` and in the folders named in their registries. Returns what was removed."""
    removed: list[Path] = []
    seen: set[Path] = set()
    todo = [Path(f) for f in folders]
    while todo:
        folder = todo.pop()
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        reg = _registry(folder)
        try:
            for line in reg.read_text(encoding="utf-8").splitlines():
                try:
                    todo.append(Path(json.loads(line)["folder"]))
                except (ValueError, KeyError, TypeError):
                    continue
        except OSError:
            pass
        try:
            names = list(folder.iterdir())
        except OSError:
            continue
        for p in names:
            if WORK_TAG not in p.name:
                continue
            try:
                pid = int(p.name.split(WORK_TAG, 1)[1].split(".", 1)[0])
            except ValueError:
                continue
            if pid != os.getpid() and not _pid_alive(pid):
                try:
                    p.unlink()
                    removed.append(p)
                except OSError:
                    pass
    return removed


def _note_folder(db_folder: Path, folder: Path) -> None:
    """Remember, beside the database, a folder where working files are made (for the cleanup at start)."""
    if folder.resolve() == db_folder.resolve():
        return
    reg = _registry(db_folder)
    line = json.dumps({"folder": str(folder.resolve())})
    try:
        if reg.exists() and line in reg.read_text(encoding="utf-8").splitlines():
            return
        fd = os.open(str(reg), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    except OSError:
        pass  # a read-only database folder: the cleanup at the next backup into `folder` still runs


def _work_path(target: Path, what: str) -> Path:
    return target.parent / f".{target.name}{WORK_TAG}{os.getpid()}.{what}"


def _create_private(path: Path):
    """A new file, 0600 from its first byte (whatever the umask), opened for writing."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


@contextmanager
def _working(*paths: Path):
    """Remove `paths` (and SQLite's journals of them) on any exit; SIGTERM/SIGHUP/SIGINT become an exit too."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        def _stop(signum, _frame):
            raise SystemExit(128 + signum)

        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            try:
                previous[sig] = signal.signal(sig, _stop)
            except (ValueError, OSError):
                pass
    try:
        yield
    finally:
        for p in paths:
            for q in (p, Path(f"{p}-journal"), Path(f"{p}-wal"), Path(f"{p}-shm")):
                try:
                    q.unlink()
                except FileNotFoundError:
                    pass
        for sig, handler in previous.items():
            signal.signal(sig, handler)
