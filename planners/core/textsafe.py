"""Characters that must not reach the store, a document or a terminal from user-supplied text.

Three kinds: control characters (C0, DEL, C1: NUL, ESC, BEL, OSC, …) which crash Word/XML exports and drive
terminals; bidi controls (U+202A–U+202E, U+2066–U+2069, LRM/RLM/ALM) which rewrite how a line reads ("Ali三张
png.exe"); and invisible characters (zero-width space/joiners, word joiner, BOM, soft hyphen, Hangul fillers)
which make two identical-looking names different. Imports refuse the first two and strip the third; the
duplicate key is built from the NFKC form without invisible characters or spaces. Exporters strip what their
format cannot carry; the CLI shows such characters as visible escapes (U+001B) instead of sending them."""
from __future__ import annotations

import re
import unicodedata

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = frozenset("\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200b\u200c\u200d"
                      "\u2060\u2061\u2062\u2063\u2064\u3164\ufeff\uffa0")

_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "LF", 0x0B: "VT", 0x0C: "FF", 0x0D: "CR",
          0x1B: "ESC", 0x7F: "DEL", 0x9B: "CSI", 0x9D: "OSC"}


def is_control(ch: str) -> bool:
    """C0 (incl. tab and line breaks), DEL and C1."""
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F


def describe(ch: str) -> str:
    """`U+001B (ESC)`, `U+202E (RIGHT-TO-LEFT OVERRIDE)`: how a refused character is named to the user."""
    o = ord(ch)
    name = _NAMES.get(o) or unicodedata.name(ch, "")
    return f"U+{o:04X}" + (f" ({name})" if name else "")


def first_forbidden(text: str) -> tuple[str, str] | None:
    """('control' | 'bidi', the character) of the first character an import refuses, or None."""
    for ch in text:
        if is_control(ch):
            return "control", ch
        if ch in BIDI:
            return "bidi", ch
    return None


def strip_invisible(text: str) -> str:
    if not any(ch in INVISIBLE for ch in text):
        return text
    return "".join(ch for ch in text if ch not in INVISIBLE)


def key_form(text: str) -> str:
    """The form two values are compared in: NFKC (full-width → half-width, compatibility ideographs →
    unified), invisible characters and all white space removed, case folded."""
    t = unicodedata.normalize("NFKC", strip_invisible(text or ""))
    return re.sub(r"\s+", "", strip_invisible(t)).casefold()


def printable(text) -> str:
    """Text safe to write to a terminal: control, bidi and invisible characters shown as \\u escapes."""
    s = "" if text is None else str(text)
    out = []
    for ch in s:
        if ch == "\n":
            out.append(ch)
        elif is_control(ch) or ch in BIDI or ch in INVISIBLE:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def one_line(text) -> str:
    """Free text for a one-line slot of an export (a title, a cell, a summary): line breaks and tabs become a
    space, every other control, bidi or invisible character is dropped."""
    s = "" if text is None else str(text)
    s = re.sub(r"[\r\n\t\v\f\u2028\u2029]+", " ", s)
    return "".join(ch for ch in s if not (is_control(ch) or ch in BIDI or ch in INVISIBLE))


def xml_text(text) -> str:
    """Text that XML 1.0 (Word, ODF) can carry: keeps tab and line breaks, drops the other controls and
    non-characters, and bidi controls."""
    s = "" if text is None else str(text)
    s = _XML_BAD.sub("", s)
    return "".join(ch for ch in s if ch not in BIDI)
