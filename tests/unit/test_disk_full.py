"""A full disk or temporary folder is a clear refusal, never a traceback (issue 19, item 8)."""
from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from planners.cli import main
from planners.core.errors import DiskFull
from planners.store import uow


def test_the_cli_says_the_disk_is_full_instead_of_a_traceback(db_url, users, tmp_path, monkeypatch):
    out = tmp_path / "plan.csv"

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    r = CliRunner().invoke(main, ["attendees", "template", "--out", str(out)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "full" in r.output and "nothing was written" in r.output
    assert not out.exists()


def test_a_database_that_reports_a_full_disk_is_mapped_once_in_the_unit_of_work(db_url):
    err = sqlite3.OperationalError("database or disk is full")
    mapped = uow.map_driver_error(err, db_url)
    assert isinstance(mapped, DiskFull)
    assert "磁盘" in mapped.localized("zh_CN") and "full" in mapped.localized("en")
