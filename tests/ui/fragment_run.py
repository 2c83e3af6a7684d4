"""AppTest reruns the whole script on every interaction; the browser reruns only the fragment the widget lives
in. `fragment_rerun` reproduces the browser: it sets a widget and reruns only that widget's fragment, so a test
sees what the user sees after that interaction (elements outside the fragment are not redrawn)."""
from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import streamlit.testing.v1.local_script_runner as lsr


@contextmanager
def _capture():
    got: list = []
    real = lsr.LocalScriptRunner.forward_msgs

    def forward_msgs(self):
        msgs = real(self)
        got[:] = list(msgs)
        return msgs

    with mock.patch.object(lsr.LocalScriptRunner, "forward_msgs", forward_msgs):
        yield got


def fragment_of(at, key: str) -> str:
    """The fragment id of the widget with this key, read from the messages of a full run."""
    with _capture() as msgs:
        at.run()
    for m in msgs:
        if m.HasField("delta") and m.delta.fragment_id and f"-{key}" in str(m.delta.new_element):
            return m.delta.fragment_id
    raise AssertionError(f"no fragment holds widget {key!r}")


def fragment_rerun(at, fragment_id: str, set_widget=None):
    """Set a widget (callable on `at`, optional) and rerun only the given fragment, as the browser does."""
    real = lsr.RerunData

    def rerun_data(*a, **kw):
        return real(*a, fragment_id_queue=[fragment_id], **kw)

    with mock.patch.object(lsr, "RerunData", rerun_data):
        if set_widget is not None:
            set_widget(at)
        return at.run()
