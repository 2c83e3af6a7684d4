"""Every decision carries its reason and its source."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"   # recommended / practice
    BLOCKER = "blocker"   # mandatory: refuses


@dataclass(frozen=True, kw_only=True)
class Finding:
    rule: str                 # rule id, e.g. "V1" or "E3"
    severity: Severity
    reason: dict[str, str]    # {"en": ..., "zh_CN": ...}
    source: str               # legal source, e.g. "实施条例 art. 45(2)"
    met: bool = False
    data: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return self.reason.get(lang) or self.reason.get("en") or next(iter(self.reason.values()), "")
