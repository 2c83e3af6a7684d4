"""CSV export. Cells that start with = + - @ (or tab / carriage return) are neutralised against formula
injection in spreadsheet programs; the file is UTF-8 with BOM so Excel on a Chinese desktop opens it right."""
from __future__ import annotations

import csv
import io
from typing import Iterable, Mapping

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets also read the full-width forms (＝ ＋ － ＠, typed through a Chinese IME) and the minus sign as
# the start of a formula; leading spaces or invisible characters do not stop them either.
_WIDE = ("\uff1d", "\uff0b", "\uff0d", "\uff20", "\u2212", "\ufe62", "\ufe63", "\ufe66")
_LEAD = " \u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(DANGEROUS) or text.lstrip(_LEAD).startswith(DANGEROUS + _WIDE):
        return "'" + text
    return text


def to_csv(rows: Iterable[Mapping], columns: list[str] | None = None) -> bytes:
    rows = list(rows)
    cols = columns or (list(rows[0].keys()) if rows else [])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(c) for c in cols])
    for r in rows:
        w.writerow([neutralise(r.get(c)) for c in cols])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
