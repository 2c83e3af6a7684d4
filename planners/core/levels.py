"""Classification levels: 绝密 / 机密 / 秘密 (state secrets, 保密法 art. 14), 工作秘密, 内部, 公开."""
from __future__ import annotations

from enum import Enum


class Classification(str, Enum):
    PUBLIC = "public"              # 公开
    INTERNAL = "internal"          # 内部
    WORK_SECRET = "work_secret"    # 工作秘密 (保密法 art. 64; a separate, lighter regime)
    SECRET = "secret"              # 秘密
    CONFIDENTIAL = "confidential"  # 机密
    TOP_SECRET = "top_secret"      # 绝密

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: "Classification | str") -> bool:
        r = _RANK.get(other)  # a member or its value (issue 17: asked a dozen times per scan at the desk)
        return _RANK[self] >= (r if r is not None else Classification(other).rank)

    def above(self, other: "Classification | str") -> bool:
        return self.rank > Classification(other).rank

    @property
    def is_state_secret(self) -> bool:
        return self.at_least(Classification.SECRET)

    @property
    def max_retention_years(self) -> int | None:
        """Legal maximum 保密期限 (保密法 art. 20: 30/20/10 years 'unless otherwise provided').

        These are maximums, not defaults: a unit sets a specific period, date or condition.
        None for levels that are not state secrets."""
        return _MAX_YEARS.get(self)

    def label(self, lang: str = "zh_CN") -> str:
        return _LABELS[self][0 if lang.startswith("zh") else 1]

    def marking(self, period: str | None = None, lang: str = "zh_CN") -> str:
        """The carrier marking, e.g. '机密★20年' (实施条例 art. 21)."""
        if not self.is_state_secret:
            return self.label(lang)
        if not period:
            return self.label(lang)
        return f"{self.label(lang)}★{period}"

    @classmethod
    def parse(cls, value: "str | Classification") -> "Classification":
        """Accepts the enum value, the Chinese or English label, case-insensitive."""
        if isinstance(value, Classification):
            return value
        got = _BY_VALUE.get(value)  # the stored value itself: one look-up (issue 17)
        if got is not None:
            return got
        text = str(value).strip()
        for c in cls:
            if text.lower() in (c.value, c.label("en").lower()) or text == c.label("zh_CN"):
                return c
        aliases = {"ts": cls.TOP_SECRET, "s": cls.CONFIDENTIAL, "c": cls.SECRET}
        if text.lower() in aliases:
            return aliases[text.lower()]
        raise ValueError(
            f"unknown classification level {text!r}: use one of "
            + ", ".join(f"{c.label('zh_CN')}/{c.value}" for c in cls)
        )


_ORDER = [
    Classification.PUBLIC,
    Classification.INTERNAL,
    Classification.WORK_SECRET,
    Classification.SECRET,
    Classification.CONFIDENTIAL,
    Classification.TOP_SECRET,
]
_RANK: dict = {**{c: i for i, c in enumerate(_ORDER)}, **{c.value: i for i, c in enumerate(_ORDER)}}
_BY_VALUE = {c.value: c for c in _ORDER}
_MAX_YEARS = {
    Classification.TOP_SECRET: 30,
    Classification.CONFIDENTIAL: 20,
    Classification.SECRET: 10,
}
_LABELS = {
    Classification.PUBLIC: ("公开", "Public"),
    Classification.INTERNAL: ("内部", "Internal"),
    Classification.WORK_SECRET: ("工作秘密", "Work secret"),
    Classification.SECRET: ("秘密", "Secret"),
    Classification.CONFIDENTIAL: ("机密", "Confidential"),
    Classification.TOP_SECRET: ("绝密", "Top secret"),
}

ALL_LEVELS = list(_ORDER)
STATE_SECRET_LEVELS = [c for c in _ORDER if c.is_state_secret]
