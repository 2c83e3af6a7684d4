"""Issue 16, charts: CJK labels are not turned 90°, one colour per state in every view, arrivals per 5 or 15
minutes with whole people on the axis. The specs are built by pages/parts/charts.py and checked as dicts."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from pages.parts import charts
from tests.ui.test_desk_stumbles import live_event  # noqa: F401  (fixture)
from planners.core.i18n import t

T0 = datetime(2026, 12, 3, 8, 30)


def _plan_rows(lang="zh_CN"):
    return [{"phase": t(f"plan.phase_{p}", lang), "status": t(f"plan.status_{s}", lang), "n": n, "order": i,
             "state": s} for i, (p, s, n) in enumerate([("before", "open", 9), ("before", "done", 3),
                                                        ("during", "open", 7), ("after", "na", 1)])]


def _specs():
    label = lambda s: t(f"plan.status_{s}", "zh_CN")  # noqa: E731
    return {
        "plan": charts.plan_status_chart(_plan_rows(), title="各阶段任务状态", phase_title="阶段", count_title="任务数",
                                         status_title="状态", status_label=label),
        "arrivals": charts.arrivals_chart([{"at": T0, "arrivals": 3}, {"at": T0 + timedelta(minutes=5), "arrivals": 1}],
                                          time_title="时间", count_title="到达人数"),
        "custody": charts.custody_timeline_chart(
            [{"at": T0, "series": "issued", "count": 2}, {"at": T0, "series": "recovered", "count": 0}],
            title="文件发放与收回", series_label=lambda s: t(f"documents.series_{s}", "zh_CN")),
        "holders": charts.holders_chart({"王明": 2, "李华": 1}, title="未收回文件持有人"),
    }


@pytest.mark.parametrize("name", ["plan", "arrivals", "custody", "holders"])
def test_no_axis_turns_its_labels_and_counts_are_whole_numbers(name):
    enc = _specs()[name]["encoding"]
    for ch in ("x", "y"):
        e = enc[ch]
        if e["type"] in ("nominal", "ordinal", "temporal"):
            assert e["axis"]["labelAngle"] == 0, (name, ch)  # 会前 is read across, not up the page
        else:  # a count: of tasks, people, copies
            assert e["axis"]["tickMinStep"] == 1 and e["axis"]["format"] == "d", (name, ch)
        if ch == "y" and e.get("title"):  # a vertical axis's own title is read across too
            assert e["axis"]["titleAngle"] == 0, name


@pytest.mark.parametrize("name", ["plan", "arrivals", "custody", "holders"])
def test_every_spec_is_valid_vega_lite(name):
    import altair as alt

    alt.Chart.from_dict(json.loads(json.dumps(_specs()[name])))  # raises on a field Vega-Lite does not know


def test_the_plan_chart_colours_each_state_from_the_one_table_in_the_readers_words():
    scale = _specs()["plan"]["encoding"]["color"]["scale"]
    assert scale == {"domain": ["待办", "已完成", "不适用"],
                     "range": [charts.STATE_COLORS["open"], charts.STATE_COLORS["done"], charts.STATE_COLORS["na"]]}
    assert _specs()["plan"]["encoding"]["x"]["sort"] == {"field": "order", "op": "min"}  # 会前, 会中, 会后


def test_one_colour_per_state_across_the_views():
    custody = _specs()["custody"]["encoding"]["color"]["scale"]
    assert dict(zip(custody["domain"], custody["range"])) == {
        t("documents.series_issued", "zh_CN"): charts.STATE_COLORS["issued"],
        t("documents.series_recovered", "zh_CN"): charts.STATE_COLORS["recovered"]}
    assert _specs()["holders"]["mark"]["color"] == charts.STATE_COLORS["issued"]  # copies still out: "issued"
    assert _specs()["arrivals"]["mark"]["color"] == charts.STATE_COLORS["arrived"]
    # settled is green and outstanding orange whichever the view: a done task and a recovered copy look alike
    assert charts.STATE_COLORS["done"] == charts.STATE_COLORS["recovered"]
    assert charts.STATE_COLORS["open"] == charts.STATE_COLORS["issued"]
    # within one view two states never share a colour
    for group in (("open", "done", "na"), ("in_store", "issued", "recovered", "secrecy_room", "destroyed", "lost",
                                          "abroad")):
        assert len({charts.STATE_COLORS[s] for s in group}) == len(group)


def test_the_plan_pages_text_badges_use_the_same_colours():
    from pages.parts import plan_ui

    for s in charts.PLAN_STATES:
        assert f"color:{charts.STATE_COLORS[s]}" in plan_ui.status_badge_html(s)


@pytest.mark.parametrize("span_minutes, step", [(0, 5), (45, 5), (120, 5), (125, 15), (8 * 60, 15)])
def test_arrivals_are_counted_per_5_minutes_over_a_short_span_and_per_15_over_a_long_one(span_minutes, step):
    rows = [{"at": T0, "arrivals": 2}, {"at": T0 + timedelta(minutes=span_minutes), "arrivals": 1}]
    spec = charts.arrivals_chart(rows, time_title="时间", count_title="到达人数")
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert x["timeUnit"] == {"unit": "yearmonthdatehoursminutes", "step": step}
    assert y["aggregate"] == "sum"  # the 5-minute buckets of the desk add up inside a 15-minute bar
    assert y["axis"]["tickMinStep"] == 1 and y["axis"]["format"] == "d"
    assert [v["at"] for v in spec["data"]["values"]][0] == T0.isoformat()


def test_the_plan_page_draws_the_spec(db_url, demo, users):
    from tests.conftest import app_test

    at = app_test("plan", user=users["organizer"], lang="zh_CN")
    at.session_state["event_id"] = demo.events["q4-trade-meeting"].id
    at.run()
    assert not at.exception, at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["x"]["axis"]["labelAngle"] == 0
    assert spec["encoding"]["color"]["scale"]["range"][:3] == [charts.STATE_COLORS[s] for s in charts.PLAN_STATES]
    assert spec["encoding"]["color"]["scale"]["domain"][:3] == ["待办", "已完成", "不适用"]  # (the rows go as Arrow)


def _drawn(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_the_documents_page_draws_the_custody_and_holder_specs(db_url, demo, users):
    from planners import documents as docs
    from tests.ui.test_documents_page import _button, _ids, _organizer_page

    ev = demo.events["q4-trade-meeting"]
    did, people = _ids(ev.id)
    at = _organizer_page(demo, users, lang="zh_CN")
    at.text_input(key="doc_issue_code").input(docs.copy_code(ev.id, did, 1))
    at.selectbox(key="doc_issue_who").set_value(people["梁静"])
    _button(at, "分发").click().run()
    assert not at.exception, at.exception
    specs = _drawn(at)
    line = next(s for s in specs if s["mark"]["type"] == "line")
    assert line["encoding"]["color"]["scale"]["range"] == [charts.STATE_COLORS["issued"],
                                                           charts.STATE_COLORS["recovered"]]
    bars = next(s for s in specs if s["mark"]["type"] == "bar")
    assert bars["encoding"]["y"]["field"] == "holder" and bars["encoding"]["x"]["axis"]["format"] == "d"


def test_the_desk_draws_arrivals_per_5_minutes_with_whole_people(live_event, users):  # noqa: F811
    from tests.ui.fragment_run import fragment_of, fragment_rerun
    from tests.ui.test_desk_stumbles import _at_desk

    _eid, codes, _ids = live_event
    at = _at_desk(users["front_desk"], "zh_CN")
    at = fragment_rerun(at, fragment_of(at, "scan_input"),
                        lambda a: a.text_input(key="scan_input").set_value(codes["王明"]))
    assert not at.exception, at.exception
    at = fragment_rerun(at, fragment_of(at, "desk_roll_call"))  # the lists' own refresh draws the chart (issue 17)
    assert not at.exception, at.exception
    [spec] = _drawn(at)
    assert spec["encoding"]["x"]["timeUnit"]["step"] == 5 and spec["encoding"]["x"]["axis"]["labelAngle"] == 0
    assert spec["encoding"]["y"]["axis"]["tickMinStep"] == 1 and spec["encoding"]["y"]["axis"]["format"] == "d"
