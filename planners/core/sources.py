"""A rule's legal source and due offset as a reader of that language expects them (issue 16).

The rules files (data/rules/*.yaml) cite their sources the way the rules catalogue does: "实施条例 art. 45(1);
保密法 art. 38", "P3 §6", "32 CFR 117.19(e)(4)", "project's own proposal". A Chinese office reads 第四十五条第一项,
wants the Chinese source first and foreign references out of the way. `cite(source, lang)` splits a source into

- `main`: what a page shows beside the rule: the Chinese statutes (in zh_CN 第X条第Y项), then the catalogue's
  practice references (P3 第6节, F2), then （本项目建议，非法定要求） when the rule is the project's own proposal;
- `foreign`: the foreign references (32 CFR, NISPOM, ICD, DoDD, RFC, US practice), for a details view only;
- `full`: the source as written, also for the details view.

`due_text(expr, lang)` reads a due expression: T-3d → 会前3天, end+2h → 会后2小时. Pure functions, no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass

PROPOSAL_ZH = "（本项目建议，非法定要求）"
PROPOSAL_EN = "(the project's own proposal, not a legal requirement)"

_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """1 → 一, 10 → 十, 27 → 二十七, 45 → 四十五, 105 → 一百零五 (as article numbers are written)."""
    if n < 0:
        raise ValueError("a negative article number")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = _DIGITS[n // 100] + "百"
        if rest == 0:
            return head
        return head + ("零" + _DIGITS[rest] if rest < 10 else
                       (_DIGITS[rest // 10] + "十" + (_DIGITS[rest % 10] if rest % 10 else "")))
    return str(n)


# the foreign references: never at the desk, in Chinese only in a details view
_FOREIGN = re.compile(r"CFR|NISPOM|\bN\d{3}\.|\bICD\b|DoDD|\bRFC\b|\bUS\b|\bUS:", re.IGNORECASE)
_PROPOSAL = re.compile(r"project(?:'s)?\s+(?:own\s+)?proposal|project proposal|is the project's proposal", re.IGNORECASE)
# "art. 45(1)", "art. 21, 43", "art. 27(2), 27(8), 28", "art. 6, art. 19"
_ART = re.compile(r"art\.\s*(\d+(?:\(\d+\))?(?:\s*,\s*(?:art\.\s*)?\d+(?:\(\d+\))?)*)")
_ONE_ART = re.compile(r"(\d+)(?:\((\d+)\))?")
_SECTION = re.compile(r"§\s*(\d+)(?:\s*[-–]\s*(\d+))?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_STATUTE_ALIASES = {"北京条例": "北京市保守国家秘密条例", "北京实施办法": "北京市保守国家秘密条例"}


def _articles_zh(m: re.Match) -> str:
    parts = []
    for n, item in _ONE_ART.findall(m.group(1)):
        parts.append(f"第{zh_number(int(n))}条" + (f"第{zh_number(int(item))}项" if item else ""))
    return "、".join(parts)


def _sections_zh(m: re.Match) -> str:
    a, b = m.group(1), m.group(2)
    return f"第{a}至{b}节" if b else f"第{a}节"


@dataclass(frozen=True)
class Citation:
    main: str           # for the page, in the reader's language
    foreign: str        # foreign references, for a details view ("" if none)
    full: str           # the source as written
    proposal: bool      # the rule is (partly) the project's own proposal

    @property
    def has_details(self) -> bool:
        return bool(self.foreign) or self.full != self.main


def _split(source: str) -> list[str]:
    # split at ; or ；, but not inside brackets
    out, depth, cur = [], 0, []
    for ch in source:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if ch in ";；" and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return [p for p in out if p]


_STATUTE = re.compile(
    r"(保密法|实施条例|北京市保守国家秘密条例|北京条例|北京实施办法|国家秘密载体保密管理规定|个人信息保护法)\s*"
    r"(art\.\s*\d+(?:\(\d+\))?(?:\s*,\s*(?:art\.\s*)?\d+(?:\(\d+\))?)*"
    r"|第[零一二三四五六七八九十百]+条(?:第（?[零一二三四五六七八九十]+）?项)?"
    r"(?:、第[零一二三四五六七八九十百]+条(?:（[^（）A-Za-z]*）)?)*)"
    r"(\s*[（(][^（）()A-Za-z]+[)）])?")
_CODE_REF = re.compile(r"\b([A-Z]{1,2}\d{1,3})\b((?:\s*,?\s*§\s*\d+(?:\s*[-–]\s*\d+)?)*)")


def _statutes_zh(text: str) -> list[str]:
    out = []
    for m in _STATUTE.finditer(text):
        name = _STATUTE_ALIASES.get(m.group(1), m.group(1))
        arts = _ART.sub(_articles_zh, m.group(2))
        gloss = m.group(3) or ""
        if gloss:
            gloss = "（" + gloss.strip().strip("()（）").strip() + "）"
        out.append(name + arts + gloss)
    return out


def cite(source: str | None, lang: str) -> Citation:
    """The source of a rule as that language's reader expects it (see the module's doc)."""
    source = (source or "").strip()
    if not source:
        return Citation("", "", "", False)
    proposal = bool(_PROPOSAL.search(source))
    parts = _split(source)
    foreign = [p for p in parts if _FOREIGN.search(p)]
    domestic = [p for p in parts if not _FOREIGN.search(p)]
    if lang == "zh_CN":
        bits = list(dict.fromkeys(_statutes_zh(source)))
        codes = []
        for part in domestic:
            for m in _CODE_REF.finditer(_STATUTE.sub("", part)):
                secs = "、".join(_sections_zh(x) for x in _SECTION.finditer(m.group(2) or ""))
                code = m.group(1) + secs
                if code not in codes and not any(c.startswith(m.group(1)) and not secs for c in codes):
                    codes.append(code)
        if codes:
            bits.append("规则目录" + "、".join(codes))
        main = "；".join(bits)
        if proposal:
            main = main + PROPOSAL_ZH if main else PROPOSAL_ZH.strip("（）")
        return Citation(main, "; ".join(foreign), source, proposal)
    main = "; ".join(dict.fromkeys(domestic))
    if proposal and "proposal" not in main.lower():
        main = f"{main} {PROPOSAL_EN}".strip()
    return Citation(main, "; ".join(foreign), source, proposal)


# ---- due offsets

_DUE = re.compile(r"^(T|start|end|incident)((?:\s*[+-]\s*\d+\s*(?:min|w|d|h|m))*)$")
_OFF = re.compile(r"([+-])\s*(\d+)\s*(min|w|d|h|m)")
_UNIT_ZH = {"w": "周", "d": "天", "h": "小时", "m": "分钟", "min": "分钟"}
_UNIT_EN = {"w": "week", "d": "day", "h": "hour", "m": "minute", "min": "minute"}
_ANCHOR_ZH = {"T": ("会前", "会议开始后", "会议开始时"), "start": ("会前", "会议开始后", "会议开始时"),
              "end": ("会议结束前", "会后", "会议结束时"), "incident": ("事件报告前", "事件报告后", "事件报告时")}
_ANCHOR_EN = {"T": ("the start", "start"), "start": ("the start", "start"), "end": ("the end", "end"),
              "incident": ("the incident report", "incident")}


def due_text(expr: str | None, lang: str) -> str:
    """T-3d → 会前3天 / 3 days before the start; end+2h → 会后2小时 / 2 hours after the end; T-1d-2h → 会前1天2小时.
    Anything that is not a due expression comes back unchanged."""
    text = (expr or "").strip()
    m = _DUE.match(text)
    if not m:
        return text
    anchor, offs = m.group(1), _OFF.findall(m.group(2))
    if not offs:
        return _ANCHOR_ZH[anchor][2] if lang == "zh_CN" else f"at {_ANCHOR_EN[anchor][0]}"
    sign = offs[0][0]
    if any(s != sign for s, _, _ in offs):  # mixed signs: keep the expression, it is rare and exact
        return text
    if lang == "zh_CN":
        amount = "".join(f"{n}{_UNIT_ZH[u]}" for _, n, u in offs)
        before, after, _ = _ANCHOR_ZH[anchor]
        return (before if sign == "-" else after) + amount
    amount = " ".join(f"{int(n)} {_UNIT_EN[u]}{'' if int(n) == 1 else 's'}" for _, n, u in offs)
    return f"{amount} {'before' if sign == '-' else 'after'} {_ANCHOR_EN[anchor][0]}"
