"""Find a CJK font on this machine (no downloads): CONCLAVE_CJK_FONT, then Noto Sans CJK (Debian
fonts-noto-cjk), WenQuanYi, Source Han, PingFang, Microsoft YaHei."""
from __future__ import annotations

import os
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
