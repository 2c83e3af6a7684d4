"""Conclave: page config, sign-in, and navigation built from the signed-in role. Nothing else.

Every page is registered (hidden), so a deep link always reaches its page file, whose own guard shows the
sign-in form or a refusal; the sidebar lists only the pages of the signed-in role."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.parts import ui
from planners.base import auth

st.set_page_config(page_title="Conclave", page_icon=":material/lock:", layout="wide")
ui.init_lang()
ui.launch_guard()  # unsafe launch settings (usage statistics, a network address not asked for): nothing served
ui.ensure_db()


@st.cache_resource(show_spinner=False)
def _warm_imports() -> None:
    """Once per server process (issue 17): import the page libraries (pandas, Altair) in the background while the
    first person reads the sign-in form, so their first page after sign-in does not pay for them."""
    import threading

    def load() -> None:
        import altair  # noqa: F401
        import pandas  # noqa: F401

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
nav.run()
