"""Issue 17: a person picker offers everyone up to ui.PICK_MAX people; beyond, one search field narrows it (ten
thousand options weighed seconds on the browser at every rerun). Below the limit nothing changes."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from pages.parts import ui

    n = st.session_state.get("n", 10)
    got = ui.narrowed({i: f"规模参会人{i:05d} · 单位{i % 7}" for i in range(n)}, key="find")
    st.session_state["offered"] = list(got)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_big_list_is_searched_a_small_one_is_offered_whole(lang):
    at = AppTest.from_function(_script)
    at.session_state["lang"] = lang
    at.session_state["n"] = 300
    at.run()
    assert not at.exception and not at.text_input and len(at.session_state["offered"]) == 300
    at.session_state["n"] = 10_000
    at.run()
    assert not at.exception
    [field] = at.text_input
    assert ("10000" in field.label) and (("查找人员" in field.label) if lang == "zh_CN" else ("Find a person" in field.label))
    assert len(at.session_state["offered"]) == 300  # the first 300, and a caption says there are more
    assert any(("10000" in c.value) for c in at.caption)
    field.set_value("00042").run()
    assert at.session_state["offered"] == [42]
    field.set_value("nobody").run()
    assert at.session_state["offered"] == [] and at.caption
