"""Streamlit-only helpers shared by every page: language, the role guard, messages, verdict banner.

Every page starts with `me = ui.require_role("<page>")`: a deep link to a page runs that file directly
(without app.py), so the guard, not the navigation, decides who sees anything."""
from __future__ import annotations

import html
import re
import sys
import threading
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # a page run directly by a fresh server must still find planners/
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

import planners.wiring  # noqa: E402,F401  (installs which area answers which hook)

from planners.base import auth  # noqa: E402
from planners.core import i18n, sources, textsafe  # noqa: E402
from planners.core.errors import DISK_FULL_ERRNOS, ConclaveError, DiskFull  # noqa: E402
from planners.core.findings import Finding, Severity  # noqa: E402
from planners.base import launch_check  # noqa: E402
from planners.base import work  # noqa: E402

# ---- user-supplied text on screen ---------------------------------------------------------------------------
# Streamlit renders Markdown in st.markdown/st.write, every alert (success, info, warning, error), captions,
# subheaders, expander/tab/button/radio/checkbox labels and help tooltips. A name like `![b](http://host/x.png)`
# would make every browser showing it fetch that URL (a beacon off a closed network), `<img src=x>` could
# become HTML, `:material/…:` an icon, `$…$` formulas, and U+202E rewrites how the line reads. So every string
# that comes from data reaches those calls through `plain` (or `plain_html` inside HTML the page builds);
# tables and raw text use st.dataframe / st.text, which render no Markdown.

# backslash-escaped: what makes links, images, emphasis, code, headings, tables, `$` formulas, `:red[…]` colours
# and (with `/`) `:material/…:` icons. Left as they are: `.,:;-+=?@%^'"` (harmless on one line, and a time
# `09:00` or a file name `名单.csv` stays readable); a leading list marker is escaped by `plain`.
_MD_PUNCTUATION = frozenset(r"""!#$&()*/[\]_`{|}~""")
_HTML_PUNCTUATION = _MD_PUNCTUATION | frozenset("\"'")
_BREAKS = "\r\n\v\f\u2028\u2029"


def _visible(ch: str) -> str | None:
    """The visible stand-in for a character that must not act on the text around it, or None."""
    if ch in textsafe.BIDI or ch in textsafe.INVISIBLE or (textsafe.is_control(ch) and ch not in "\t" + _BREAKS):
        return f"\u2039U+{ord(ch):04X}\u203a"  # ‹U+202E›: shown, not obeyed
    return None


def plain(text) -> str:
    """`text` (a name, a unit, a title, a comment, a file name …) to be shown as typed inside Markdown: the
    characters of links, images, emphasis, code, `:material/…:` icons, `:red[…]` colours, `$` formulas,
    headings and tables are backslash-escaped (and a leading list marker), `<` `>` become entities (no HTML),
    line breaks become spaces, and bidi controls, zero-width characters and other control characters are
    shown as ‹U+202E› instead of reordering or hiding the text."""
    s = "" if text is None else str(text)
    out = []
    for ch in s:
        shown = _visible(ch)
        if shown is not None:
            out.append(shown)
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch in _MD_PUNCTUATION:
            out.append("\\" + ch)
        elif ch in _BREAKS or ch == "\t":
            out.append(" ")
        else:
            out.append(ch)
    shown = "".join(out)
    lead = re.match(r"\s*(?:[-+]|\d+[.)])(?=\s|$)", shown)  # "- x", "1. x" would start a list
    if lead:
        shown = shown[:lead.end() - 1] + "\\" + shown[lead.end() - 1:]
    return shown


def plain_html(text) -> str:
    """`text` for the inside of HTML a page builds (the verdict banner): the Markdown characters of `plain`,
    quotes and `<` `>` as character references (no tag, no attribute end, and no Markdown even if the HTML block ended),
    on one line (a blank line would end the HTML block), bidi, zero-width and control characters shown as
    ‹U+…›."""
    s = "" if text is None else str(text)
    out = []
    for ch in s:
        shown = _visible(ch)
        if shown is not None:
            out.append(shown)
        elif ch in _BREAKS or ch == "\t":
            out.append(" ")
        elif ch in _HTML_PUNCTUATION or ch in "<>":  # a character reference is never Markdown syntax either
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def error_text(exc: ConclaveError) -> str:
    """A refusal's message for a Markdown slot: the sentence as written in the locale, the values it quotes
    from data (a name, a file, a title) escaped with `plain`."""
    code = lang()
    if type(exc).localized is ConclaveError.localized and exc.params:
        params = {k: plain(v) if isinstance(v, str) else v for k, v in exc.params.items()}
        if isinstance(exc.params.get("source"), str):  # a rule's source as this language reads it (issue 16)
            params["source"] = plain(source_text(exc.params["source"]))
        text = i18n.t(exc.key, code, **params)
        if text != exc.key:
            return text
    return plain(exc.localized(code))


LANG_KEY = "lang"
USER_KEY = "user_id"
LANG_LABELS = {"zh_CN": "中文", "en": "English"}


def reading():
    """A read session for a screen (the unit of work's read side; nothing is committed)."""
    return work.reading()


def writing():
    """One all-or-nothing change of state for a screen, owned by the unit of work (planners.base.work).
    Prefer `change(...)`, which also shows the refusal or the confirmation where the user acted."""
    return work.writing()


_last_lang = i18n.DEFAULT_LANG


def lang() -> str:
    """The session's language. Outside a script run (AppTest evaluating a widget's format_func after the
    run) there is no session: answer the language of the last run instead of the default."""
    global _last_lang
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return _last_lang
    _last_lang = st.session_state.get(LANG_KEY, i18n.DEFAULT_LANG)
    return _last_lang


def t(key: str, **params) -> str:
    return i18n.t(key, lang(), **params)


def pick(texts) -> str:
    return i18n.pick(texts, lang())


@st.cache_resource(show_spinner=False)
def _db_ready(url: str) -> bool:
    work.upgrade(url)
    return True


def ensure_db() -> None:
    from planners.core.config import database_url

    try:
        _db_ready(database_url())
    except ConclaveError as exc:
        st.error(error_text(exc))
        st.stop()


def init_lang() -> None:
    """The session's language: kept in session state; a `?lang=en` link chooses it for a new session."""
    if LANG_KEY not in st.session_state:
        qp = st.query_params.get("lang")
        st.session_state[LANG_KEY] = qp if qp in LANG_LABELS else i18n.DEFAULT_LANG


def language_switch() -> None:
    """The language radio, drawn once per run by the page (app.py draws none). The choice lives in a plain
    session key, because Streamlit resets widget state when the user moves to another page."""
    init_lang()
    options = list(LANG_LABELS)
    choice = st.sidebar.radio("语言 / Language", options=options, format_func=LANG_LABELS.get, horizontal=True,
                              index=options.index(st.session_state[LANG_KEY]), key="lang_radio")
    if choice != st.session_state[LANG_KEY]:
        st.session_state[LANG_KEY] = choice
        st.rerun()


_LAUNCH_OPTIONS = ("browser.gatherUsageStats", "server.address", "server.maxUploadSize", "server.sslCertFile")
_launch: dict = {}
_launch_lock = threading.Lock()


def launch_checked() -> launch_check.LaunchCheck | None:
    """The launch settings, checked once per server process at its first run (planners/launch_check.py): the
    caps the app sets itself are set, the verdict is logged to the server's stderr. None outside a real server
    (AppTest runs pages on a mock runtime: no launch to check)."""
    from streamlit import config, runtime
    from streamlit.runtime import Runtime

    if not runtime.exists() or type(Runtime.instance()) is not Runtime:
        return None
    with _launch_lock:
        if "check" not in _launch:
            options = {name: config.get_option(name) for name in _LAUNCH_OPTIONS}
            result = launch_check.check(options)
            for name, value in result.settings.items():
                config.set_option(name, value, "Conclave's launch check")
            # a launcher that read no config.toml: the sidebar still lists only the role's pages (app.py), not
            # Streamlit's default list of every file in pages/ that a deep link would otherwise show
            config.set_option("client.showSidebarNavigation", False, "Conclave's launch check")
            print(result.summary(options), file=sys.stderr, flush=True)
            _launch["check"] = result
        return _launch["check"]


def launch_guard() -> None:
    """Serve nothing, not even the sign-in form, from a launch with unsafe settings: say what to change."""
    result = launch_checked()
    if result is not None and not result.ok:
        for p in result.refusals:
            st.error(t(p.key, **p.params))
        st.stop()


def page_setup(page: str) -> None:
    try:
        st.set_page_config(page_title=f"{t('nav.' + page)} · Conclave", page_icon=":material/lock:", layout="wide")
    except Exception:  # already set by app.py in this run
        pass
    launch_guard()
    ensure_db()
    language_switch()
    from pages.parts import widget_texts  # issue 16: Streamlit's own widget texts in the reader's language

    widget_texts.install(lang())


def current_user() -> auth.Principal | None:
    uid = st.session_state.get(USER_KEY)
    if uid is None:
        return None
    with reading() as s:
        p = auth.load_principal(s, uid)
    if p is None:
        st.session_state.pop(USER_KEY, None)
    return p


def _signin_keys() -> tuple[str | None, str | None]:
    """The browser session's id and the client's address (None for a browser on this machine, or behind a
    reverse proxy here), which key the sign-in rate limit."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    try:
        client = st.context.ip_address
    except Exception:  # no client context (a test harness): no per-address limit
        client = None
    return (ctx.session_id if ctx is not None else None), client


def signin_form() -> None:
    st.title(t("auth.signin_title"))
    st.caption(t("app.tagline"))
    launch = launch_checked()
    for w in (launch.warnings if launch is not None else []):
        st.warning(t(w.key, **w.params))
    with st.form("signin", clear_on_submit=False):
        username = st.text_input(t("auth.username"), key="signin_username")
        password = st.text_input(t("auth.password"), type="password", key="signin_password")
        submitted = st.form_submit_button(t("auth.signin"), type="primary")
    if submitted:
        try:
            session, client = _signin_keys()
            p = auth.sign_in(username, password, session=session, client=client)
        except ConclaveError as exc:
            st.error(error_text(exc))
        else:
            st.session_state[USER_KEY] = p.id
            st.rerun()
    st.info(t("app.principle"))


def change_password_form(me: auth.Principal) -> None:
    st.warning(t("auth.must_change"))
    with st.form("change_password"):
        old = st.text_input(t("auth.old_password"), type="password")
        new = st.text_input(t("auth.new_password"), type="password")
        new2 = st.text_input(t("auth.new_password2"), type="password")
        ok = st.form_submit_button(t("auth.change_password"), type="primary")
    if ok:
        if new != new2:
            st.error(t("auth.password_mismatch"))
            return
        try:
            with writing() as s:
                auth.change_password(s, me.id, old, new)
        except ConclaveError as exc:
            st.error(error_text(exc))
        else:
            st.success(t("auth.password_changed"))
            st.rerun()


def sidebar_account(me: auth.Principal) -> None:
    st.sidebar.caption(t("auth.signed_in_as", name=plain(me.display_name), role=t("role." + me.role)))
    if st.sidebar.button(t("auth.signout"), key="signout"):
        with writing() as s:
            from planners.base import audit

            audit.record(s, actor=me.username, action="signout", object_type="user", object_id=me.id)
        for k in list(st.session_state.keys()):
            if k != LANG_KEY:
                del st.session_state[k]
        st.rerun()


def require_role(page: str) -> auth.Principal:
    """The guard at the top of every page: signed out -> sign-in form only; wrong role -> refusal only."""
    page_setup(page)
    me = current_user()
    if me is None:
        signin_form()
        st.stop()
    sidebar_account(me)
    if me.must_change_password:
        change_password_form(me)
        st.stop()
    if not auth.may_open(me.role, page):
        roles = "、".join(t("role." + r) for r in auth.PAGE_ROLES.get(page, ())) if lang() == "zh_CN" else \
            ", ".join(t("role." + r) for r in auth.PAGE_ROLES.get(page, ()))
        st.error(t("auth.refused", roles=roles or "-", role=t("role." + me.role)))
        st.stop()
    show_flash()
    return me


FLASH_KEY = "_flash"


def flash(message: str, kind: str = "success") -> None:
    """A message that survives the st.rerun() after a change (shown once, at the top of the next run)."""
    st.session_state.setdefault(FLASH_KEY, []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop(FLASH_KEY, []):
        {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(message)


def change(run, done, kind: str = "success") -> None:
    """One change of state asked from a page: `run(session)` in a write session. A refusal is shown where the
    user acted (nothing was changed); on success `done` (a message, or done(result) -> message) is flashed and
    the page reruns."""
    try:
        with writing() as s:
            result = run(s)
            message = done(result) if callable(done) else done
    except OSError as exc:  # a full disk or temp folder: a clear refusal where the user acted
        if exc.errno not in DISK_FULL_ERRNOS:
            raise
        show_error(DiskFull(str(exc), detail=exc.strerror or ""))
        return
    except ConclaveError as exc:
        show_error(exc)
        return
    flash(message, kind)
    st.rerun()


def show_error(exc: ConclaveError) -> None:
    st.error(error_text(exc))
    findings = getattr(exc, "findings", None)
    if findings:
        show_findings(findings)


# A coloured ● (in every CJK font, no emoji font needed) beside the finding's own words (issue 16); no Markdown
# icon shortcode, so a user's ":material/…:" typed into a name stays the only kind the hostile-text test looks for
SEVERITY_ICON = {s: f"<span data-severity='{s.name.lower()}' style='color:{c}'>●</span>" for s, c in (
    (Severity.BLOCKER, "#b00020"), (Severity.WARNING, "#c77700"), (Severity.INFO, "#1565c0"))}
MET_ICON = "<span data-severity='met' style='color:#1b7f3b'>●</span>"


def frame(data=None, **kw):
    """A table for st.dataframe / st.table with empty cells as "—", never "None" / "nan" (issue 16)."""
    import pandas as pd

    df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data, **kw)
    for c in df.columns:
        if df[c].isna().any():
            df[c] = df[c].astype(object).where(df[c].notna(), "—")
    return df


def badge(text: str) -> str:
    """A status as a text badge, no font needed: 【符合】 in Chinese, [Eligible] in English."""
    return f"【{text}】" if lang() == "zh_CN" else f"[{text}]"


def source_text(source: str | None) -> str:
    """A rule's source as this language reads it: 第四十五条第一项, the Chinese source first, the foreign references
    left for `source_details` (issue 16)."""
    c = sources.cite(source, lang())
    if not c.main and c.foreign:
        return t("sources.foreign_only")
    return c.main


def due_text(expr: str | None) -> str:
    """A due offset as words: T-3d → 会前3天 / 3 days before the start."""
    return sources.due_text(expr, lang())


def source_details(items: list[tuple[str, str]]) -> None:
    """The sources as written (foreign references included), folded away in one details view. `items`:
    (rule id, source). Nothing is drawn when no source adds anything to what the page shows."""
    rows = [(rule, src) for rule, src in items if src and sources.cite(src, lang()).has_details]
    if not rows:
        return
    with st.expander(t("sources.details")):
        for rule, src in dict.fromkeys(rows):
            c = sources.cite(src, lang())
            line = f"**{plain(rule)}** {plain(c.main)}" if c.main else f"**{plain(rule)}**"
            if c.foreign:
                line += f"  \n{plain(t('sources.foreign'))}{plain(c.foreign)}"
            line += f"  \n{plain(t('sources.as_written'))}{plain(c.full)}"
            st.markdown(line)


def show_findings(findings: list[Finding], *, details: bool = True) -> None:
    for f in findings:
        icon = MET_ICON if f.met else SEVERITY_ICON.get(f.severity, "•")
        shown = source_text(f.source)
        src = f" — {shown}" if shown else ""
        st.markdown(f"{icon} **{plain(f.rule)}** {plain(f.text(lang()))}"
                    f"<span style='color:#666'>{plain(src)}</span>", unsafe_allow_html=True)
    if details:
        source_details([(f.rule, f.source) for f in findings])


VERDICT_COLORS = {"green": "#0a7d32", "orange": "#c76a00", "red": "#b00020", "grey": "#555"}


def verdict_banner(color: str, headline: str, lines: list[str] | None = None, *, key: str | None = None) -> None:
    """A screen-wide verdict in big letters. All text is escaped (`plain_html`): a name cannot add HTML,
    Markdown or a bidi override to it."""
    bg = VERDICT_COLORS.get(color, VERDICT_COLORS["grey"])
    body = "".join(f"<div style='font-size:1.6rem;margin-top:.4rem'>{plain_html(x)}</div>" for x in (lines or []))
    st.markdown(
        f"<div data-testid='verdict' data-verdict='{html.escape(color)}' style='background:{bg};color:white;"
        f"padding:1.2rem 1.6rem;border-radius:.6rem'><div style='font-size:3rem;font-weight:800;line-height:1.1'>"
        f"{plain_html(headline)}</div>{body}</div>",
        unsafe_allow_html=True,
    )


def event_picker(events, *, key: str = "event_id", label: str | None = None, empty: str = "events.none_visible"):
    """Select one event from `events`; remembers the choice across pages. Returns the Event or None (then the
    `empty` message says why there is nothing to choose)."""
    if not events:
        st.info(t(empty))
        return None
    ids = [e.id for e in events]
    current = st.session_state.get(key)
    wkey = f"_{key}_picker"
    st.session_state[wkey] = current if current in ids else ids[0]
    by_id = {e.id: e for e in events}
    chosen = st.selectbox(label or t("events.select"), ids, format_func=lambda i: f"#{i} {by_id[i].title}",
                          key=wkey, on_change=lambda: st.session_state.__setitem__(key, st.session_state[wkey]))
    st.session_state[key] = chosen
    return by_id[chosen]


def page_link(page: str, label: str, *, icon: str | None = None) -> None:
    """A link to another page (pages/<page>.py). Through app.py's navigation it is Streamlit's page link; when
    the page was opened by its own address (a fresh server runs pages/X.py directly for /X, without app.py's
    navigation) it is a plain link to that address, never an error."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(f"pages/{page}.py", label=label, icon=icon)
    except StreamlitAPIException:
        st.markdown(f"[{plain(label)}](/{page})")


PICK_MAX = 300  # a person picker offers everyone up to this many (issue 17)


def narrowed(options: dict, *, key: str) -> dict:
    """The options of a person picker: all of them up to PICK_MAX; beyond, a search field (any part of the shown
    text: name, unit, ID digits) and its first PICK_MAX matches. Ten thousand options weighed seconds on the
    browser at every rerun, and nobody scrolls them (issue 17)."""
    if len(options) <= PICK_MAX:
        return options
    q = st.text_input(t("pick.search", n=len(options)), key=key, placeholder=t("pick.search_hint")).strip().lower()
    hits = [k for k, v in options.items() if not q or q in str(v).lower()]
    if len(hits) > PICK_MAX:
        st.caption(t("pick.more", n=PICK_MAX, total=len(hits)))
    elif not hits:
        st.caption(t("pick.none"))
    return {k: options[k] for k in hits[:PICK_MAX]}


def narrowed_multi(options: dict, *, key: str, chosen_key: str) -> dict:
    """`narrowed` for a multiselect (keyed `chosen_key`): the people already chosen stay among the options
    whatever the search, so a new search never drops a choice."""
    if len(options) <= PICK_MAX:
        return options
    chosen = [k for k in st.session_state.get(chosen_key) or () if k in options]
    return {**{k: options[k] for k in chosen}, **narrowed(options, key=key)}


def text_table(data: dict, **_dataframe_args) -> None:
    """A small table of typed text ({column: values}), drawn as a static table with every cell shown as typed
    (`plain`: st.table reads Markdown in its cells). Issue 17: the visits page drew a dozen interactive grids of a
    few rows each, and the browser took 0.4-0.9 s a rerun to mount them (0.25 s with static tables); the
    st.dataframe arguments it is called with (hide_index, width, key) have nothing to do here."""
    st.table(frame({plain(k): [plain(v) if v is not None else None for v in vs] for k, vs in data.items()}))
