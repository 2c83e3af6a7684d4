"""Issue 16, item 3: Streamlit's own widget texts in the reader's language (the shim of pages/parts/widget_texts.py),
tables without "None", status as text badges rather than emoji, the Chinese wording the office uses."""
from __future__ import annotations

import json
import re

import pytest

from pages.parts import widget_texts
from planners.core import i18n
from tests.conftest import app_test

EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B1B\u2B1C\u2705\u26D4]")


def _shim(at) -> dict:
    for h in at.get("html"):
        body = h.proto.body
        if "__cvWidgetTexts" in body:
            return json.loads(body.split("window.__cvWidgetTexts = ", 1)[1].split(";\n", 1)[0])
    raise AssertionError("no widget-text shim on the page")


def test_the_shim_translates_streamlits_own_texts_in_chinese_and_restores_them_in_english(users):
    at = app_test("home", user=users["organizer"], lang="zh_CN").run()
    zh = _shim(at)
    assert zh["exact"]["Choose an option"] == "请选择"
    assert zh["exact"]["Press Enter to submit form"] == "按回车键提交"
    assert zh["exact"]["Take Photo"] == "拍照" and zh["exact"]["None"] == "—"
    rx, rep = zh["patterns"][0]
    assert re.sub(rx, rep.replace("$1", r"\1").replace("$2", r"\2"), "Limit 200MB per file • CSV") == \
        "单个文件不超过200MB • CSV"
    en = widget_texts.table("en")["exact"]
    assert en["请选择"] == "Choose an option" and "—" not in en  # the app's own "—" stays


def test_tables_show_a_dash_not_none():
    import pandas as pd

    from pages.parts import ui

    df = ui.frame(pd.DataFrame({"locker": [None, "3"], "n": [1.0, None], "name": ["王明", "赵六"]}))
    cells = df.astype(str).to_numpy().ravel().tolist()
    assert "None" not in cells and "nan" not in cells and cells.count("—") == 2 and "王明" in cells


def test_plan_status_and_eligibility_are_text_badges_not_emoji(db_url, users, demo):
    ev = demo.events["q4-trade-meeting"]
    at = app_test("plan", user=users["organizer"], lang="zh_CN")
    at.session_state["event_id"] = ev.id
    at.run()
    assert not at.exception
    html = " ".join(m.value for m in at.markdown)
    assert "data-testid='plan-task'" in html and not EMOJI.search(html)
    assert "待办" in html


@pytest.mark.parametrize("key, text", [("venues.verdict_conditional", "基本符合，需整改后使用"),
                                       ("visits.type_unannounced", "临时来访（未预约）"),
                                       ("admin.save", "保存")])
def test_the_wording_the_office_uses(key, text):
    assert i18n.t(key, "zh_CN") == text


def test_no_english_plural_brackets_and_no_emoji_in_the_catalogues():
    en = i18n.catalogue("en")
    assert [k for k, v in en.items() if re.search(r"\w\((s|es|ies)\)", v)] == []
    # ★ is the 密级 mark (机密★10年), in every CJK font
    assert [k for lang in ("en", "zh_CN") for k, v in i18n.catalogue(lang).items()
            if EMOJI.search(v.replace("★", ""))] == []
