"""Markdown that calls out (issue 19, item 4): names, units, titles, comments and file names typed by users are
shown as text on every page, for every role. The demo data is made hostile — an attendee named
`![b](http://127.0.0.1:9/x.png)`, units `<img src=x>`, titles with U+202E, comments `[x](http://127.0.0.1:9)`,
`:material/…:` icons — and every Markdown-rendered string of every page (bodies of st.markdown / captions /
titles / alerts, and the labels and help of buttons, widgets, expanders and tabs) must carry none of it
unescaped. Tables (st.dataframe) and select options are plain text in the browser and may show it as typed."""
from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from pages.parts import ui
from planners.base.auth import PAGE_ROLES, principal
from planners.store import uow
from planners.store.models import Approval, ApprovalStep, Attendee, Event, User, Venue
from planners.store.models_documents import Document
from planners.store.models_visits import VisitRequest
from tests.conftest import ROOT, app_test

IMG = "![b](http://127.0.0.1:9/x.png)"
TAG = "<img src=x>"
RLO = "Ali\u202egnp.exe"
LINK = "[x](http://127.0.0.1:9)"
ICON = ":material/home:"
ZW = "张\u200b三"

# what must never be read as Markdown/HTML: an image, a link, a tag, a bidi override, an icon, a zero-width space
UNSAFE = [re.compile(r"(?<!\\)!(?<!\\)\["), re.compile(r"(?<!\\)\]\(http"), re.compile(r"<img", re.I),
          re.compile("[\u202a-\u202e\u2066-\u2069\u200b]"), re.compile(r"(?<!\\):material/")]

PAGES = sorted(p for p in PAGE_ROLES if (ROOT / "pages" / f"{p}.py").exists())
MARKDOWN_FIELDS = {"body", "label", "help"}  # what Streamlit renders as Markdown (a heading or a caption is a body)


def _markdown_strings(at) -> list[str]:
    """Every Markdown-rendered string of the page: walk the element tree and each element's or block's proto."""
    out: list[str] = []

    def fields(msg):
        for fd, value in msg.ListFields():
            if fd.message_type is not None:
                for m in (value if isinstance(value, Sequence) else [value]):
                    fields(m)
            elif fd.name in MARKDOWN_FIELDS and isinstance(value, str):
                out.append(value)

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields") and getattr(node, "type", "") not in (
                "arrow_data_frame", "dataframe", "text", "code"):
            fields(proto)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def _unsafe(strings: list[str]) -> list[str]:
    return [s for s in strings if any(p.search(s) for p in UNSAFE)]


@pytest.fixture
def hostile(db_url, demo, users):
    """The demo, with user-supplied text replaced by what an attacker would type."""
    from planners.attendees import eligibility
    from planners import checkin

    with uow.write_session(db_url) as s:
        for i, a in enumerate(s.scalars(select(Attendee).order_by(Attendee.id))):
            a.name = (IMG if i % 2 == 0 else ZW) + a.name
            a.unit = TAG + a.unit
            a.post = ICON + (a.post or "")
        for e in s.scalars(select(Event)):
            e.title = RLO + e.title
            e.relay_scope = LINK + (e.relay_scope or "")
        for v in s.scalars(select(Venue)):
            v.name = LINK + v.name
        for v in s.scalars(select(VisitRequest)):
            v.title = IMG + v.title
            v.last_comment = LINK
        for d in s.scalars(select(Document)):
            d.short_title = IMG + d.short_title
        for u in s.scalars(select(User)):
            u.display_name = TAG + (u.display_name or u.username)
            u.must_change_password = False  # the demo's accounts: signed in and past the first change
        for ap in s.scalars(select(Approval)):
            ap.title = {k: IMG + v for k, v in (ap.title or {}).items()}
            ap.comment = LINK
        for st_ in s.scalars(select(ApprovalStep)):
            st_.comment = LINK
        desk_user = principal(s.scalar(select(User).where(User.username == "desk")))
        ev = demo.events["desk-demo"]
        first = s.scalars(select(Attendee).where(Attendee.event_id == ev.id).order_by(Attendee.id)).first()
        asked = None
        for e in s.scalars(select(Event).order_by(Event.id)):
            needs = [aid for aid, el in eligibility.for_event(s, e).items() if el.status == "needs_approval"]
            if needs and asked is None:
                asked = eligibility.request_exception(s, needs[0], actor=principal(s.get(User, e.organizer_id)),
                                                      comment=LINK + " " + IMG)
        assert asked is not None, "the demo has someone who needs a leader's exception"
    from tests.checkin.helpers import reapprove_list, register_desks

    with uow.read(db_url) as s:
        owner = principal(s.get(User, s.get(Event, ev.id).organizer_id))
    reapprove_list(db_url, ev.id, owner)  # the renamed people are admitted once approved (issue 11)
    register_desks(db_url, "正门签到台")  # the demo's registered desk (the desk page is bound to one)
    verdict = checkin.manual(ev.id, first.id, desk="正门签到台", actor=desk_user)
    return dict(desk=desk_user, event=ev, verdict=verdict, name=first.name, desk_name="正门签到台")


def test_plain_escapes_what_markdown_would_act_on():
    for hostile in (IMG, TAG, RLO, LINK, ICON, ZW, "$x$ **b** `c` :red[x] # h"):
        shown = ui.plain(hostile)
        assert not _unsafe([shown]), shown
        assert not any(c in shown for c in "<>")
        assert not re.search(r"(?<!\\)[$*`#\[\]/]", shown), shown  # every such character backslash-escaped
    assert ui.plain(RLO) == "Ali‹U+202E›gnp.exe"
    assert "<" not in ui.plain_html(TAG) and "![" not in ui.plain_html(IMG) and "\n" not in ui.plain_html("a\n\nb")


@pytest.mark.parametrize("page,role", [(p, r) for p in PAGES for r in PAGE_ROLES[p]])
def test_every_page_shows_hostile_text_as_text(hostile, users, page, role):
    user = hostile["desk"] if page == "checkin" and role == "front_desk" else users[role]
    at = app_test(page, user=user)
    if page == "checkin":
        at.session_state["event_id"] = hostile["event"].id
        at.session_state["desk_verdict"] = hostile["verdict"]
    at.session_state["desk_name"] = hostile["desk_name"]
    at.run()
    assert not at.exception, at.exception
    strings = _markdown_strings(at)
    assert strings, "the walk found the page's Markdown"
    assert _unsafe(strings) == []


def test_the_desk_undo_button_and_verdict_banner_name_the_person_as_text(hostile):
    at = app_test("checkin", user=hostile["desk"])
    at.session_state["event_id"] = hostile["event"].id
    at.session_state["desk_verdict"] = hostile["verdict"]
    at.session_state["desk_name"] = hostile["desk_name"]
    at.run()
    assert not at.exception, at.exception
    undo = [b for b in at.button if b.key == "desk_undo"]
    assert undo and ui.plain(hostile["name"]) in undo[0].label and IMG not in undo[0].label
    banner = [m.value for m in at.markdown if "data-testid='verdict'" in m.value]
    assert banner and "&#33;&#91;b&#93;&#40;http" in banner[0] and "\u202e" not in banner[0]


def test_approvals_show_titles_and_comments_as_text(hostile, users):
    at = app_test("approvals", user=users["leader"]).run()
    assert not at.exception, at.exception
    bodies = [m.value for m in at.markdown]
    assert any(ui.plain(IMG) in b for b in bodies), "the approval's title is shown, escaped"
    assert any(ui.plain(LINK) in b for b in bodies), "the request's comment is shown, escaped"
