"""Conclave: page config, sign-in, and navigation built from the signed-in role. Nothing else.

Every page is registered (hidden), so a deep link always reaches its page file, whose own guard shows the
sign-in form or a refusal; the sidebar lists only the pages of the signed-in role."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.parts import ui
from planners.base import auth
from planners.core import config

st.set_page_config(page_title="Conclave", page_icon=":material/lock:", layout="wide")
ui.init_lang()
ui.launch_guard()  # unsafe launch settings (usage statistics, a network address not asked for): nothing served
ui.ensure_db()


@st.cache_resource(show_spinner=False)
def _warm_imports() -> None:
    """Once per server process (issue 17): import the page libraries (pandas, Altair, fpdf2) in the background while the
    first person reads the sign-in form, so their first page after sign-in does not pay for them."""
    import threading

    def load() -> None:
        import altair  # noqa: F401
        import pandas  # noqa: F401
        # the exports' libraries too: the first PDF after a start paid ~0.5 s for them (page bench, issue 17)
        import fontTools.subset  # noqa: F401
        import fpdf  # noqa: F401

    threading.Thread(target=load, name="conclave-warm-imports", daemon=True).start()


_warm_imports()
me = ui.current_user()

PAGES_DIR = Path(__file__).resolve().parent / "pages"
pages = {
    name: st.Page(str(PAGES_DIR / f"{name}.py"), title=ui.t("nav." + name), url_path=name, default=(name == "home"))
    for name in auth.PAGE_ROLES
    if (PAGES_DIR / f"{name}.py").exists()
}
nav = st.navigation(list(pages.values()), position="hidden")
if me is not None and not me.must_change_password:
    with st.sidebar:
        st.markdown(f"### :material/lock: {ui.t('app.name')}")
        for name in auth.pages_for(me.role):
            if name in pages:
                st.page_link(pages[name], label=ui.t("nav." + name))

if config.run_marker():
    # For the page benchmark and browser tests (issue 17): a hidden span numbered per full run, drawn before the
    # page. A click's run is done when the number has changed and Streamlit's run state is idle again — the number
    # proves the server ran a new page run (a page change clears the main area before any run starts, which once
    # passed for a finished run in 0.1 s).
    _n = st.session_state["_cv_run"] = st.session_state.get("_cv_run", 0) + 1
    st.sidebar.markdown(f"<span data-testid='cv-run' data-run='{_n}'></span>", unsafe_allow_html=True)
nav.run()
