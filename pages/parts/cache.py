"""Cached pure reads for the screens (issue 17): `read(fn, *args)` is `fn(session, *args)` in a read session,
through `st.cache_data`, keyed on the data's version (planners.base.work.data_version: this process's committed
writes and the audit trail's last entry), the signed-in user and the language; never on a secret. Any committed
change gives a new version, so the rerun after a write reads anew; an unchanged rerun reads the version only.

For reads whose result is plain data or loaded rows used after the session closes (as a page uses them);
`fn` is named by its module and name, `args` must be hashable values (ids, text)."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui
from planners.base import work
from planners.core import config


def read(fn, *args):
    """fn(session, *args), cached until the data changes."""
    return _cached(f"{fn.__module__}.{fn.__qualname__}", _version(), st.session_state.get(ui.USER_KEY),
                   ui.lang(), args, _fn=fn)


def _version() -> tuple:
    """The data's version, and which database it is of (one per server; many in a test run)."""
    return (config.database_url(), *work.data_version())


@st.cache_data(show_spinner=False, max_entries=256, ttl=900)
def _cached(name: str, version: tuple, user, lang: str, args: tuple, _fn=None):
    with work.reading() as s:
        return _fn(s, *args)


def shared(fn, *args):
    """fn(session, *args), kept until the data changes, and handed out as is, not copied: for big results (the
    10,000 attendees of a meeting and their eligibility) whose copy would cost what the read saves. The caller
    only reads what it gets; keyed like `read` (version, user, language, args)."""
    return _kept(f"{fn.__module__}.{fn.__qualname__}", _version(), st.session_state.get(ui.USER_KEY),
                 ui.lang(), args, _fn=fn)


@st.cache_resource(show_spinner=False, max_entries=32, ttl=900)
def _kept(name: str, version: tuple, user, lang: str, args: tuple, _fn=None):
    with work.reading() as s:
        return _fn(s, *args)
