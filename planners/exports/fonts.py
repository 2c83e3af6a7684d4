"""Find a CJK font on this machine (no downloads): CONCLAVE_CJK_FONT, then Noto Sans CJK (Debian
fonts-noto-cjk), WenQuanYi, Source Han, PingFang, Microsoft YaHei."""
from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from planners.core.errors import NoCJKFont


@dataclass(frozen=True)
class CJKFont:
    regular: Path
    bold: Path
    collection_index: int  # face in a .ttc collection (Noto Sans CJK: 2 = SC)


_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Regular.otf",
     "/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Bold.otf", 0),
    ("/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyhbd.ttc", 0),
]


def find_cjk_font() -> CJKFont:
    env = os.environ.get("CONCLAVE_CJK_FONT", "").strip()
    if env:
        p = Path(env)
        if not p.is_file():
            raise NoCJKFont(f"CONCLAVE_CJK_FONT={env} is not a file. Point it at a .ttf/.ttc/.otf CJK font.")
        bold = Path(os.environ.get("CONCLAVE_CJK_FONT_BOLD", env))
        idx = int(os.environ.get("CONCLAVE_CJK_FONT_INDEX", "2" if "NotoSansCJK" in p.name else "0"))
        return CJKFont(p, bold if bold.is_file() else p, idx)
    for reg, bold, idx in _CANDIDATES:
        if Path(reg).is_file():
            return CJKFont(Path(reg), Path(bold) if Path(bold).is_file() else Path(reg), idx)
    raise NoCJKFont("No Chinese font found. Install one (Debian: apt-get install fonts-noto-cjk) or set "
                    "CONCLAVE_CJK_FONT to a .ttf/.ttc/.otf file; the Word export works without it.")


# ---- a font cut to the characters a document draws (issue 17)
# A CJK face holds ~65,000 glyphs: fpdf2 reads its metrics on `add_font` and cuts it down again on output, about
# 0.3 s of CPU per face each time, which was nearly all of a 20-badge sheet. A document that knows its text up front
# (the badge sheet) embeds a face cut once to the characters this process has drawn so far; the cut is kept (in a
# private temporary folder, removed at exit) and cut again only when a document needs a character it lacks.

_BASE_CHARS = frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset("　、。，：；（）—…·《》“”‘’★")
_MAX_CHARS = 8000  # past this the cut is made afresh for the document at hand, so it cannot grow without bound
_cuts: dict[tuple[str, int, float], tuple[frozenset[str], Path, Path | None]] = {}  # chars, file, the file before
_cut_lock = threading.Lock()
_cut_serial = itertools.count(1)
_cut_dir: Path | None = None


def _cut_folder() -> Path:
    global _cut_dir
    if _cut_dir is None:
        import atexit
        import shutil
        import tempfile

        _cut_dir = Path(tempfile.mkdtemp(prefix="conclave-fonts-"))
        atexit.register(shutil.rmtree, _cut_dir, True)
    return _cut_dir


def cut_font(path: Path, index: int, chars: set[str] | frozenset[str]) -> Path:
    """A one-face .otf/.ttf file holding at least `chars` (plus ASCII and common CJK punctuation) of face `index`
    of `path`, with the same outlines, advance widths and names; made once and reused while it covers what is asked."""
    from fontTools import subset as ftsubset
    from fontTools import ttLib

    key = (str(path), index, path.stat().st_mtime)
    need = frozenset(chars) | _BASE_CHARS
    with _cut_lock:
        have = _cuts.get(key)
        if have is not None and need <= have[0] and have[1].is_file():
            return have[1]
        want = need | have[0] if have is not None and len(need | have[0]) <= _MAX_CHARS else need
        font = ttLib.TTFont(str(path), recalcTimestamp=False, fontNumber=index, lazy=True)
        is_cff = "CFF " in font
        # fpdf2 cuts the face again on output with its own options; here only what it keeps anyway is kept:
        # outlines with their hints, horizontal metrics, the cmap, the names (text runs left to right only: the
        # vertical metrics, ~65,000 entries to read, go)
        opts = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, desubroutinize=is_cff,
                                layout_features=[], name_IDs=["*"], name_languages=["*"])
        opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "vhea", "vmtx", "VORG", "FFTM"]
        sub = ftsubset.Subsetter(opts)
        sub.populate(unicodes=[ord(c) for c in want])
        sub.subset(font)
        out = _cut_folder() / f"{path.stem}-{index}-{next(_cut_serial)}{'.otf' if is_cff else '.ttf'}"
        font.save(str(out))
        font.close()
        if have is not None and have[2] is not None:
            # the cut before the last one goes; the last one stays, a document on another thread may be opening it
            have[2].unlink(missing_ok=True)
        _cuts[key] = (want, out, have[1] if have is not None else None)
        return out


def forget_cuts() -> None:
    """Drop the cut faces (the next document cuts afresh): for a benchmark's cold start, or after fonts changed."""
    with _cut_lock:
        for chars, path, before in _cuts.values():
            for p in (path, before):
                if p is not None:
                    p.unlink(missing_ok=True)
        _cuts.clear()
