"""Everything a user reads exists in both en and zh_CN."""
import re
from pathlib import Path

from planners.core import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_both_languages_have_the_same_keys():
    en, zh = set(i18n.catalogue("en")), set(i18n.catalogue("zh_CN"))
    assert sorted(en - zh) == [], "keys missing in zh_CN"
    assert sorted(zh - en) == [], "keys missing in en"


def test_placeholders_match_between_languages():
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh_CN")
    bad = [k for k in en if set(re.findall(r"{(\w+)}", en[k])) != set(re.findall(r"{(\w+)}", zh[k]))]
    assert bad == []


def test_every_key_used_in_code_exists():
    keys = set(i18n.catalogue("en"))
    used = set()
    for p in list((ROOT / "pages").glob("*.py")) + list((ROOT / "planners").rglob("*.py")) + [ROOT / "app.py"]:
        text = p.read_text(encoding="utf-8")
        used |= set(re.findall(r"""(?:\bt|both|ui\.t)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
        used |= set(re.findall(r"""key=["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
    missing = sorted(k for k in used if k not in keys)
    assert missing == []


def test_chinese_catalogue_is_chinese():
    zh = i18n.catalogue("zh_CN")
    assert zh["nav.events"] == "活动" and i18n.t("nav.events", "en") == "Events"
