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
_KEEP = 8  # cuts kept per face: a cut costs ~1.2 ms a character kept (CFF), so each one holds what one kind of
# document draws (a plan, a badge sheet, …) rather than everything seen so far, which made every new name cost a
# cut of thousands of characters
_cuts: dict[tuple[str, int, float], list[tuple[frozenset[str], Path]]] = {}  # newest last
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
        kept = _cuts.setdefault(key, [])
        for i, (have, file) in enumerate(kept):
            if need <= have and file.is_file():
                kept.append(kept.pop(i))  # most recently used last
                return file
        font = ttLib.TTFont(str(path), recalcTimestamp=False, fontNumber=index, lazy=True)
        is_cff = "CFF " in font
        # fpdf2 cuts the face again on output with its own options; here only what it keeps anyway is kept:
        # outlines with their hints, horizontal metrics, the cmap, the names (text runs left to right only: the
        # vertical metrics, ~65,000 entries to read, go)
        opts = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, desubroutinize=is_cff,
                                layout_features=[], name_IDs=["*"], name_languages=["*"])
        opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "vhea", "vmtx", "VORG", "FFTM"]
        sub = ftsubset.Subsetter(opts)
        sub.populate(unicodes=[ord(c) for c in need])
        sub.subset(font)
        out = _cut_folder() / f"{path.stem}-{index}-{next(_cut_serial)}{'.otf' if is_cff else '.ttf'}"
        font.save(str(out))
        font.close()
        kept.append((need, out))
        if len(kept) > _KEEP:
            # the least recently used goes; the newer ones stay, a document on another thread may be opening them
            kept.pop(0)[1].unlink(missing_ok=True)
        return out


def forget_cuts() -> None:
    """Drop the cut faces (the next document cuts afresh): for a benchmark's cold start, or after fonts changed."""
    with _cut_lock:
        for kept in _cuts.values():
            for _chars, path in kept:
                path.unlink(missing_ok=True)
        _cuts.clear()
