"""After a deep-link sign-in the sidebar lists only the app's own navigation (issue 19, item 8): a page run
directly by a fresh server must not get Streamlit's default sidebar of every file in pages/. The browser is
told `hide_sidebar_nav` in the session's first message: from .streamlit/config.toml when launched from the
checkout, and set by the app itself at its first run when a launcher started it from another folder."""
from __future__ import annotations

import time

from tests.conftest import ROOT
from tests.ui.test_launch_settings import Launch, launch  # noqa: F401  (the fixture)

RUN_TIMEOUT_S = 60


def _deep_link_session(port: int, page: str) -> tuple[bool, list[str]]:
    """Open `/<page>` in a new browser tab: (hide_sidebar_nav told to the browser, the page names it was given)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], open_timeout=30,
                 max_size=None) as ws:
        back = BackMsg()
        back.rerun_script.query_string = "lang=en"
        back.rerun_script.page_name = page
        ws.send(back.SerializeToString())
        deadline = time.time() + RUN_TIMEOUT_S
        hidden, names = None, []
        while time.time() < deadline:
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=RUN_TIMEOUT_S))
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                hidden = msg.new_session.config.hide_sidebar_nav
                names = [p.page_name for p in msg.new_session.app_pages]
            elif kind == "script_finished" and hidden is not None:
                return hidden, names
    raise AssertionError("the deep link did not finish a run")


def test_a_deep_link_on_a_fresh_server_from_the_checkout_hides_the_default_sidebar(launch):  # noqa: F811
    srv = launch(cwd=ROOT)
    hidden, names = _deep_link_session(srv.port, "checkin")
    assert hidden is True


def test_a_launcher_from_another_folder_gets_the_default_sidebar_hidden_by_the_app(launch):  # noqa: F811
    srv = launch()
    _deep_link_session(srv.port, "checkin")  # the first run checks the launch and sets what the app needs
    hidden, names = _deep_link_session(srv.port, "attendees")
    assert hidden is True
