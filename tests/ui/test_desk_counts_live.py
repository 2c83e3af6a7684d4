"""Issue 16: the desk's counts change with the verdict that changed them, in the same fragment run the browser
does after a scan (not on a timer). Issue 17: the lists and the chart are not redrawn with the verdict (they
tripled its server CPU); they refresh in their own fragment, whose next run shows the person inside."""
from __future__ import annotations

import re

import pytest

from tests.ui.fragment_run import fragment_of, fragment_rerun
from tests.ui.test_desk_stumbles import _at_desk, live_event  # noqa: F401  (fixture)


def _numbers(at) -> dict[str, int]:
    spans = [m.value for m in at.markdown if "data-testid='desk-numbers'" in m.value]
    assert spans, "the counts are redrawn in the run that drew the verdict"
    return {k: int(v) for k, v in re.findall(r"data-(\w+)='(\d+)'", spans[-1])}


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_scan_updates_the_counts_in_the_same_fragment_run(live_event, users, lang):  # noqa: F811
    _eid, codes, _ids = live_event
    at = _at_desk(users["front_desk"], lang)
    assert _numbers(at)["inside"] == 0
    scanner = fragment_of(at, "scan_input")
    at = fragment_rerun(at, scanner, lambda a: a.text_input(key="scan_input").set_value(codes["王明"]))
    assert not at.exception
    assert any("data-verdict='green'" in m.value for m in at.markdown)
    n = _numbers(at)
    assert n["inside"] == 1 and n["arrived"] == 1
    assert not at.tabs and not at.dataframe  # the lists are not redrawn by the scan (issue 17)
    lists = fragment_of(at, "desk_roll_call")  # the lists' fragment (it holds the roll-call button)
    assert lists != scanner
    at = fragment_rerun(at, lists)  # its timer fires
    assert not at.exception
    inside_tab = at.tabs[0].label
    assert ("（1）" in inside_tab) if lang == "zh_CN" else ("(1)" in inside_tab)
    assert "王明" in at.dataframe[0].value.iloc[:, 0].tolist()
