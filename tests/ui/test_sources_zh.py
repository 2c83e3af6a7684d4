"""Issue 16: legal sources read as Chinese in the Chinese UI (第四十五条第一项, 会前3天, the Chinese source first,
foreign references only in a details view), and the desk shows the refusal and what to do, not the provenance."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from planners.core.sources import PROPOSAL_ZH, cite, due_text, zh_number
from planners.store import uow
from planners.store.models import Attendee, Event
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import app_test


@pytest.mark.parametrize("n, zh", [(1, "一"), (8, "八"), (10, "十"), (16, "十六"), (20, "二十"), (27, "二十七"),
                                   (45, "四十五"), (100, "一百"), (105, "一百零五"), (117, "一百一十七")])
def test_article_numbers(n, zh):
    assert zh_number(n) == zh


@pytest.mark.parametrize("source, main, foreign", [
    ("实施条例 art. 45(1)", "实施条例第四十五条第一项", ""),
    ("实施条例 art. 27(8)", "实施条例第二十七条第八项", ""),
    ("实施条例 art. 45(1); 保密法 art. 38", "实施条例第四十五条第一项；保密法第三十八条", ""),
    ("保密法 art. 21, 43; 实施条例 art. 50", "保密法第二十一条、第四十三条；实施条例第五十条", ""),
    ("P3 §6", "规则目录P3第6节", ""),
    ("P3 §6–7; 实施条例 art. 27(8)", "实施条例第二十七条第八项；规则目录P3第6至7节", ""),
    ("北京条例 art. 36", "北京市保守国家秘密条例第三十六条", ""),
    ("32 CFR 2001.51 (agency head decides on risk); 48 h is the project's proposal",
     "本项目建议，非法定要求", "32 CFR 2001.51 (agency head decides on risk)"),
    ("Inference from 实施条例 art. 45(4) and NISPOM 117.16(b)(4)(ii)(C) (rules catalogue E6)",
     "实施条例第四十五条第四项", "Inference from 实施条例 art. 45(4) and NISPOM 117.16(b)(4)(ii)(C) (rules catalogue E6)"),
    ("保密法第四十五条（涉密人员出境应当经有关部门批准）；出国（境）保密承诺书 signed per trip",
     "保密法第四十五条（涉密人员出境应当经有关部门批准）", ""),
    ("保密法 art. 43; 实施条例 art. 50 (rules catalogue E2)", "保密法第四十三条；实施条例第五十条；规则目录E2", ""),
    ("P1 §10; P3 §2", "规则目录P1第10节、P3第2节", ""),
    ("F3 practice P4 (escorted); 32 CFR 117.19(e)(4)", "规则目录F3、P4", "32 CFR 117.19(e)(4)"),
    ("保密法第三十一条; project's own proposal (clean devices, no public Wi-Fi for work)",
     "保密法第三十一条" + PROPOSAL_ZH, ""),
])
def test_sources_in_chinese(source, main, foreign):
    c = cite(source, "zh_CN")
    assert (c.main, c.foreign) == (main, foreign)
    assert c.full == source


def test_english_keeps_the_domestic_sources_and_folds_the_foreign_ones():
    c = cite("实施条例 art. 45(2); P2; US: N117.16(b)(3)", "en")
    assert c.main == "实施条例 art. 45(2); P2" and c.foreign == "US: N117.16(b)(3)"
    assert cite("project's own proposal (zip bomb protection)", "en").proposal


@pytest.mark.parametrize("expr, zh, en", [
    ("T-3d", "会前3天", "3 days before the start"), ("end+2h", "会后2小时", "2 hours after the end"),
    ("T-1d-2h", "会前1天2小时", "1 day 2 hours before the start"), ("T", "会议开始时", "at the start"),
    ("start-30m", "会前30分钟", "30 minutes before the start"), ("end+1d", "会后1天", "1 day after the end"),
    ("incident+24h", "事件报告后24小时", "24 hours after the incident report"), ("T-2w", "会前2周", "2 weeks before the start"),
])
def test_due_offsets(expr, zh, en):
    assert due_text(expr, "zh_CN") == zh and due_text(expr, "en") == en


_LATIN = re.compile(r"art\.|§|CFR|NISPOM|[A-Za-z]{3,}")


def _sources(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if str(k).endswith("source") and isinstance(v, str):
                yield v
            else:
                yield from _sources(v)
    elif isinstance(node, list):
        for v in node:
            yield from _sources(v)


def test_every_rule_source_reads_as_chinese():
    """No source in data/rules/*.yaml shows "art.", "§", a foreign reference or an English word in Chinese."""
    seen = 0
    for f in sorted((Path(__file__).resolve().parents[2] / "data" / "rules").glob("*.yaml")):
        for src in _sources(yaml.safe_load(f.read_text(encoding="utf-8"))):
            seen += 1
            main = cite(src, "zh_CN").main
            assert not _LATIN.search(main), (f.name, src, main)
    assert seen >= 50


PEOPLE = [dict(name="王明", unit="市财政局", id_last4="1001", **CLEARED),
          dict(name="赵六", unit="市商务局", id_last4="1004", clearance="confidential", pledge_signed=False)]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_desk_shows_the_refusal_without_its_provenance(db_url, users, lang):
    eid, codes = make_event(db_url, users["organizer"], people=PEOPLE)
    with uow.write_session(db_url) as s:
        s.get(Event, eid).status = "in_progress"
        ids = {a.name: a.id for a in s.query(Attendee).filter_by(event_id=eid)}
    code = {n: codes[i] for n, i in ids.items()}["赵六"]
    at = app_test("checkin", user=users["front_desk"], lang=lang).run()
    at.selectbox(key="desk_pick").set_value("d").run()
    at.text_input(key="scan_input").set_value(code).run()
    assert not at.exception
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error] \
        + [w.value for w in at.warning] + [i.value for i in at.info]
    banner = " ".join(x for x in texts if "data-testid='verdict'" in x)
    assert "data-verdict='red'" in banner or "data-verdict='orange'" in banner
    page = " ".join(texts)
    for leak in ("art.", "§", "CFR", "NISPOM", "保密法第"):
        assert leak not in page, leak


def test_a_refusal_quoting_a_source_reads_it_in_chinese(monkeypatch):
    """A route refusal (vplan.error_escort_not_staff) quotes its rule's source: 规则目录F3、P4, never "F3 practice P4
    (escorted); 32 CFR …" inside a Chinese sentence."""
    from pages.parts import ui
    from planners.core.errors import EscortNotStaff

    exc = EscortNotStaff("escort not staff", field="escort", line=2, escort="张三", rule="VIS-ESCORT",
                         source="F3 practice P4 (escorted); 32 CFR 117.19(e)(4)")
    monkeypatch.setattr(ui, "_last_lang", "zh_CN")
    text = ui.error_text(exc)
    assert "规则目录F3、P4" in text and "CFR" not in text and "practice" not in text
    monkeypatch.setattr(ui, "_last_lang", "en")
    assert "F3 practice P4" in ui.error_text(exc) and "CFR" not in ui.error_text(exc)
