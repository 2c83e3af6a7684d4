"""Conclave: page config, sign-in, and navigation built from the signed-in role. Nothing else."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages import ui
from planners import auth

st.set_page_config(page_title="Conclave", page_icon="🔒", layout="wide")
ui.ensure_db()
ui.init_lang()
me = ui.current_user()

PAGES_DIR = Path(__file__).resolve().parent / "pages"


def _signin_page() -> None:
    ui.language_switch()
    ui.signin_form()


if me is None:
    nav = st.navigation([st.Page(_signin_page, title=ui.t("auth.signin"), default=True)], position="hidden")
else:
    pages = [
        st.Page(str(PAGES_DIR / f"{name}.py"), title=ui.t("nav." + name), url_path=name, default=(name == "home"))
        for name in auth.pages_for(me.role)
        if (PAGES_DIR / f"{name}.py").exists()
    ]
    nav = st.navigation(pages)
nav.run()
