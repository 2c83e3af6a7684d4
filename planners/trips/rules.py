"""The trips catalogue (data/rules/trips.yaml) and the ISO 3166 country list (data/trips/countries.yaml).

Each rule has a `kind` (vetting, carry, briefing, gate, debrief), the `check` that applies it, a severity, its
text (with the fields the check fills in), what to do, and its source; `proposal: true` marks the project's own
proposal. `finding(check, **params)` makes the Finding a leader reads, with the rule's id and source."""
from __future__ import annotations

from functools import lru_cache

import yaml

from planners.core.config import DATA_DIR
from planners.core.errors import RuleFileError
from planners.core.findings import Finding, Severity
from planners.core.rules import Field, load_catalogue

KINDS = ("vetting", "carry", "briefing", "gate", "debrief")
CHECKS = {
    "vetting": ("secret_person", "core_class", "top_secret_person", "decommission", "outbound_pledge", "barred",
                "not_active", "flagged_destination"),
    "carry": ("top_secret_copy", "secret_copy", "classified_device", "clean_device", "non_secret_copy"),
    "briefing": ("section",),
    "gate": ("departure",),
    "debrief": ("due", "carriers_back", "info_request"),
}
RULE_FIELDS = {
    "kind": Field("enum", required=True, choices=KINDS),
    "check": Field("str", required=True),
    "severity": Field("enum", required=True, choices=("info", "warning", "blocker")),
    "text": Field("bilingual", required=True),
    "todo": Field("bilingual"),
    "proposal": Field("bool"),
    "days": Field("int"),
    "approvers": Field("int"),
}
TOP_FIELDS = {"flagged_destinations": Field("dict", required=True), "pledge_kind": Field("str", required=True),
              "pledge_version": Field("str", required=True)}
COUNTRIES_FILE = DATA_DIR / "trips" / "countries.yaml"


def catalogue() -> dict:
    doc = load_catalogue("trips", RULE_FIELDS, top_fields=TOP_FIELDS)
    for r in doc["rules"]:
        if r["check"] not in CHECKS[r["kind"]]:
            raise RuleFileError("trips.yaml", r["id"], f"check '{r['check']}' is not a {r['kind']} check: use one "
                                f"of {', '.join(CHECKS[r['kind']])}", r.get("_line"))
    return doc


def rules(kind: str | None = None) -> list[dict]:
    return [r for r in catalogue()["rules"] if kind is None or r["kind"] == kind]


def rule(check: str, kind: str | None = None) -> dict:
    for r in rules(kind):
        if r["check"] == check:
            return r
    raise RuleFileError("trips.yaml", check, f"no rule has check '{check}': the trips area needs it")


def _fill(texts: dict, params: dict) -> dict:
    out = {}
    for lang, text in texts.items():
        vals = {k: (v.get(lang, "") if isinstance(v, dict) else v) for k, v in params.items()}
        try:
            out[lang] = text.format(**vals)
        except (KeyError, IndexError, ValueError):
            out[lang] = text
    return out


def finding(check: str, kind: str | None = None, **params) -> Finding:
    r = rule(check, kind)
    source = r["source"] + (" (project's own proposal)" if r.get("proposal") and "proposal" not in r["source"]
                            else "")
    return Finding(rule=r["id"], severity=Severity(r["severity"]), source=source, reason=_fill(r["text"], params),
                   data={"check": check, "todo": _fill(r.get("todo") or {}, params), **{
                       k: v for k, v in params.items() if isinstance(v, (str, int)) and k != "item"}})


def flagged() -> dict[str, str]:
    return {str(k).upper(): str(v) for k, v in (catalogue().get("flagged_destinations") or {}).items()}


def pledge_kind() -> str:
    return catalogue()["pledge_kind"]


def pledge_version() -> str:
    return str(catalogue()["pledge_version"])


def debrief_days() -> int:
    return int(rule("due", "debrief").get("days") or 7)


@lru_cache(maxsize=1)
def countries() -> dict[str, dict[str, str]]:
    """ISO 3166-1 alpha-2 code -> {en, zh_CN} name (no internet: the list ships as data)."""
    doc = yaml.safe_load(COUNTRIES_FILE.read_text(encoding="utf-8"))
    return {str(k): dict(v) for k, v in doc["countries"].items()}


def country_name(code: str, lang: str) -> str:
    c = countries().get(code)
    return c.get(lang) or c.get("en") if c else code
