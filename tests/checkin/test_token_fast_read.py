"""The badge code is read as one base-32 number (issue 17): it gives exactly what base64's decoder gives, and
refuses every text that decoder, or the canonical-form check, refused."""
from __future__ import annotations

import base64
import os
import random

import pytest

from planners.attendees import badges as tokens


def _reference(text: str) -> bytes | None:
    """What parse() did before: base64's decoder, then the re-encoding check."""
    try:
        raw = base64.b32decode(text.encode("ascii"), casefold=False)
    except (ValueError, UnicodeEncodeError):
        return None
    if len(raw) != tokens.RAW_LEN or base64.b32encode(raw).decode("ascii") != text:
        return None
    return raw


def _parsed_bytes(code: str) -> bytes | None:
    try:
        t = tokens.parse(code)
    except tokens.TokenError:
        return None
    return t.body + t.signature


def _with_version(raw: bytearray) -> bytes:
    raw[0] = tokens.VERSION  # the body's first byte is the version
    return bytes(raw)


def _in_range(raw: bytearray) -> bytes:
    """Random bytes with the version set and validity minutes a datetime can hold."""
    raw = bytearray(_with_version(raw))
    for at in (13, 17):  # valid_from, valid_until: the body's last two 4-byte fields
        raw[at] &= 0x0F
    return bytes(raw)


def test_random_codes_read_as_base64_reads_them():
    rng = random.Random(17)
    for _ in range(500):
        raw = _in_range(bytearray(rng.randbytes(tokens.RAW_LEN)))
        text = base64.b32encode(raw).decode("ascii")
        assert _reference(text) == raw
        assert _parsed_bytes(tokens.PREFIX + text) == raw


def test_a_made_up_code_valid_past_year_9999_is_unreadable_not_a_crash():
    raw = bytearray(_with_version(bytearray(os.urandom(tokens.RAW_LEN))))
    raw[13:21] = b"\xff" * 8
    assert _parsed_bytes(tokens.PREFIX + base64.b32encode(bytes(raw)).decode("ascii")) is None


@pytest.mark.parametrize("change", ["lower", "pad", "digit1", "digit8", "space", "fullwidth", "short", "long"])
def test_a_text_base64_refused_is_refused(change):
    raw = _with_version(bytearray(os.urandom(tokens.RAW_LEN)))
    text = base64.b32encode(raw).decode("ascii")
    bad = {"lower": text[:-1] + text[-1].lower() if text[-1].isalpha() else "a" + text[1:],
           "pad": text[:-1] + "=", "digit1": "1" + text[1:], "digit8": text[:-1] + "8",
           "space": text[:-1] + " ", "fullwidth": "Ａ" + text[1:], "short": text[:-1], "long": text + "A"}[change]
    assert _reference(bad) is None
    assert _parsed_bytes(tokens.PREFIX + bad) is None
