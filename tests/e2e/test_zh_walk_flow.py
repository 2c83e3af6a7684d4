"""Issue 16: every page of every role in zh_CN, in Chromium, shows no English word outside a small allow-list.

One table says which pages each role opens (planners.base.auth.PAGE_ROLES); the walk signs each role in once (a
reload signs out, so it moves through the sidebar's links), reads the main area and the sidebar as the user sees
them, and reports every leak of every page at the end."""
from __future__ import annotations

import re

from planners.base import auth
from planners.core import i18n
from planners.store import uow
from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.harness import ROOT, sign_in, wait_idle

# role -> the pages it opens, in the sidebar's order: one table, from the permissions themselves
WALK = {role: auth.pages_for(role) for role in auth.ROLES}

# What a Chinese user legitimately reads in Latin letters. Keep it small: every entry says why.
ALLOWED_WORDS = {
    "QR", "PDF", "CSV", "Word", "ID",   # formats and the QR badge: the office's own words for them
    "English", "Language",              # the language switch ("语言 / Language", "English"): for whoever needs it
    "Conclave",                         # the product's name
    "docx", "ics", "pdf", "csv",        # file extensions on download buttons (Word（.docx）, 日历（.ics）)
    "yyyy", "mm", "dd",                 # Streamlit's own date-field placeholder: it takes no text of ours
}
# Known, not yet fixed: none. (The leader's read-only visit view showed the stored "一次性 / One-time" pair, a raw
# "no" and the delegation typed inline; issue 16 says them in words and draws the delegation as a table.)
KNOWN_LEAKS: dict[str, set[str]] = {}
# codes users see: rule ids (E2, P3, E-BAR, VIS-SCOPE), control numbers (DOC-0001), ISO country codes (JP, SG),
# key fingerprints / hashes (hex), versions (v1), units after numbers (5min, 24h)
CODE = re.compile(r"^(?:[A-Z]{1,4}\d+[A-Za-z]?|[A-Z]+(?:-[A-Z0-9]+)+|[A-Z]{2,3}|[0-9a-f]{8,}|v\d+|\d+[a-z]{1,3})$")
WORD = re.compile(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*(?:[-'][A-Za-z0-9_]+)*")

# the demo accounts' user names, and words typed into the demo's own data (a Japanese delegation's names, its
# organisation, zone names such as Asia/Shanghai): data shown as typed, not UI text
DEMO_NAMES = {"organizer", "front_desk", "leader", "admin", "security_officer", "foreign_affairs", "leader2"}
# the demo's own data (a German delegation's "Bavarian Ministry of Economic Affairs"), comments left out: since
# issue 17 the visits page's small tables are text the walk reads, where the grids were a canvas it could not
DEMO_DATA = {w for f in (ROOT / "data" / "demo").glob("*.yaml")
             for line in f.read_text(encoding="utf-8").splitlines()
             for w in re.findall(r"\b[A-Za-z]+\b", line.split(" #")[0] if not line.lstrip().startswith("#") else "")}


def _leaks(text: str) -> list[str]:
    out = []
    for w in WORD.findall(text):
        if w in ALLOWED_WORDS or w in DEMO_NAMES or w in DEMO_DATA or CODE.match(w):
            continue
        out.append(w)
    return out


def _page_text(page) -> str:
    """The main area and the sidebar as read, without Material icons (drawn from ligature names such as
    "keyboard_double_arrow_left", never read as words) and without `code` (commands the admin types)."""
    return page.evaluate("""() => {
        const skip = new Set();
        for (const el of document.querySelectorAll('[data-testid="stIconMaterial"], code, .material-symbols-rounded'))
            skip.add((el.innerText || '').trim());
        for (const el of document.querySelectorAll('[data-testid="stMain"] span, [data-testid="stSidebar"] span'))
            if (/Material/i.test(getComputedStyle(el).fontFamily)) skip.add((el.innerText || '').trim());
        const parts = [];
        for (const sel of ['[data-testid="stMain"]', '[data-testid="stSidebar"]']) {
            const el = document.querySelector(sel);
            if (el) parts.push(el.innerText);
        }
        for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
            parts.push(el.getAttribute('placeholder'));
        let text = parts.join('\\n');
        for (const s of [...skip].sort((a, b) => b.length - a.length)) if (s) text = text.split(s).join(' ');
        return text;
    }""")


def test_every_page_of_every_role_speaks_chinese(server, browser):
    with uow.write_session(server.db_url) as s:
        for role in ("security_officer", "foreign_affairs"):
            make_user(s, role, role)
    report: dict[str, list[str]] = {}
    for role, pages in WALK.items():
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = ctx.new_page()
        page.set_default_timeout(20000)
        try:
            sign_in(page, server.base, role, TEST_PASSWORD, lang="zh_CN")
            wait_idle(page)
            for name in pages:
                label = i18n.t("nav." + name, "zh_CN")
                if name != "home":
                    page.locator("[data-testid='stSidebar'] a").filter(has_text=re.compile(f"^{re.escape(label)}$")) \
                        .first.click()
                    page.wait_for_url(re.compile(rf"/{name}(\?|$)"))
                wait_idle(page)
                text = _page_text(page)
                assert "Traceback" not in text, f"{role}/{name}: a stack trace"
                found = sorted(set(_leaks(text)) - KNOWN_LEAKS.get(f"{role}/{name}", set()))
                if found:
                    report[f"{role}/{name}"] = found
        finally:
            ctx.close()
    assert not report, "English in the Chinese UI:\n" + "\n".join(f"  {k}: {' '.join(v)}" for k, v in report.items())
