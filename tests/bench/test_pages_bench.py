"""The page benchmark (issue 17): the served app in headless Chromium, every page of every role timed cold and warm,
and the desk's scan with and without Enter, at the demo's size and at ten times it.

Run by `make bench` (marker `bench`; `make test` leaves it out). What is timed, and how:

- a page: sidebar click -> the server's run marker (a hidden span app.py numbers per full run when
  CONCLAVE_RUN_MARKER is set) has a new number and Streamlit's own run state (`data-test-script-state` of stApp)
  is `notRunning`; never a sleep. "cold" is the page's first opening in a fresh browser session; "warm" the
  median / p95 of its next openings;
- the main actions (organizer: create an event, mark a plan task and make the plan PDF on the plan page, import 20
  people and make their badge sheet, then 1,000 and theirs; leader: decide an approval): click -> the run it
  starts is done (as for a page), the plan PDF click -> its file arriving;
- the desk: the code's end in the scanner field (input complete, or Enter) -> the first frame painted after the
  verdict banner changed, in the page's own clock (see _SCAN_ARM); the session's first scan on its own row;
- server CPU: utime + stime of the `streamlit` process from /proc (the machine may be shared: wall time is noisy,
  CPU less so), and every figure's ratio to a floor measured in the same run (the sidebar round trip to the home
  page, the lightest page); the server's RSS at start and end.

The table goes to stdout and tests/bench/artifacts/pages-<size>.json; the test fails on the issue's targets.
CONCLAVE_BENCH_SIZES=1 (or 10, or 1,10: the default) chooses the sizes; CONCLAVE_BENCH_REPEAT the warm openings;
CONCLAVE_BENCH_SCANS the desk's scans per mode.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import statistics
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, Server, sign_in

pytestmark = pytest.mark.bench

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = [int(x) for x in os.environ.get("CONCLAVE_BENCH_SIZES", "1,10").split(",") if x.strip()]
REPEAT = int(os.environ.get("CONCLAVE_BENCH_REPEAT", "5"))
SCANS = int(os.environ.get("CONCLAVE_BENCH_SCANS", "30"))  # per desk mode: a p95 of 10 samples is their maximum
N_CODES = 2 * SCANS + 1  # and the session's first scan, shown on its own (it pays the desk's first reads)
ROLES = ("organizer", "front_desk", "leader", "admin")
MEETING_NOW = "市商务局保密工作例会"  # the demo's meeting under way: the desk's event

# The targets (seconds). A page missing here has none: it is measured and shown.
WARM_TARGET = {"events": 0.8, "visits": 0.8, "documents": 0.8, "checkin": 0.8}
COLD_FIRST_TARGET = 2.0
DESK_ENTER_P95 = 0.150
DESK_NO_ENTER_P95 = 0.400
ACTION_TARGET = {"organizer: make the plan PDF": 2.0, "organizer: make badges (20)": 2.0}  # the issue's, with progress


# ---- the data -------------------------------------------------------------------------------------------------

def _scale_up(url: str, factor: int) -> dict:
    """Ten times the demo with bulk inserts on the file (seconds, not minutes): 100 events, 10,000 attendees on the
    meeting under way, 2,000 document copies, 200 visits, 50,000 audit entries (chained, so the trail verifies)."""
    from planners.base import audit

    con = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
    con.execute("BEGIN IMMEDIATE")

    def clone(table: str, src_id: int, n: int, **over) -> None:
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
        row = dict(zip(cols, con.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE id = ?", (src_id,)).fetchone()))
        rows = []
        for i in range(n):
            r = dict(row)
            r.update({k: (v(i) if callable(v) else v) for k, v in over.items()})
            rows.append(tuple(r[c] for c in cols))
        con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)

    count = lambda t, w="1=1": con.execute(f"SELECT count(*) FROM {t} WHERE {w}").fetchone()[0]  # noqa: E731
    now_ev = con.execute("SELECT id FROM events WHERE title = ?", (MEETING_NOW,)).fetchone()[0]
    person = con.execute("SELECT id FROM attendees WHERE event_id = ? ORDER BY id", (now_ev,)).fetchone()[0]
    people = dict(name=lambda i: f"规模参会人{i:05d}", unit=lambda i: f"单位{i % 50}", id_last4=lambda i: f"{i % 10000:04d}",
                  pledge_signed=1, clearance="confidential", foreign_invested_staff=0, nationality="CN",
                  event_role="attendee", photo=None)
    if factor <= 1:  # the demo as it is, plus the few distinct badges the desk's scans need
        clone("attendees", person, N_CODES, **people)
        con.execute("COMMIT")
        con.close()
        return {"attendees_added_for_scans": N_CODES}
    draft = con.execute("SELECT id FROM events WHERE status = 'draft' AND kind = 'meeting' ORDER BY id").fetchone()[0]
    clone("events", draft, 10 * factor - count("events"), title=lambda i: f"规模测试会议{i:03d}")
    clone("attendees", person, 1000 * factor, **people)
    doc = con.execute("SELECT id, event_id FROM documents ORDER BY id").fetchone()
    first_new_doc = con.execute("SELECT max(id) FROM documents").fetchone()[0] + 1
    n_docs = 200 * factor // 20
    clone("documents", doc[0], n_docs, control_no=lambda i: f"规模〔2026〕{i:04d}", copies_count=20)
    con.executemany("INSERT INTO document_copies (document_id, event_id, number, origin, created_at) "
                    "VALUES (?, ?, ?, 'original', datetime('now'))",
                    [(first_new_doc + d, doc[1], k + 1) for d in range(n_docs) for k in range(20)])
    visit = con.execute("SELECT id FROM visit_requests ORDER BY id").fetchone()[0]
    clone("visit_requests", visit, 20 * factor - count("visit_requests"), title=lambda i: f"规模来访{i:03d}",
          event_id=None, status="draft")
    last = con.execute("SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1").fetchone()
    rows = []
    for i in range(5000 * factor):
        v = audit._values(last, actor="bench", action="bench.filler", object_type="event", object_id=now_ev,
                          event_id=now_ev, before=None, after=None, details={"i": i})
        rows.append((v["id"], v["ts"].isoformat(sep=" "), v["actor"], v["action"], v["object_type"], v["object_id"],
                     v["event_id"], v["details"], v["prev_hash"], v["hash"]))
        last = (v["id"], v["hash"])
    con.executemany("INSERT INTO audit_entries (id, ts, actor, action, object_type, object_id, event_id, details, "
                    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("COMMIT")
    out = {t: count(t) for t in ("events", "attendees", "document_copies", "visit_requests", "audit_entries")}
    out["attendees_on_desk_event"] = count("attendees", f"event_id = {now_ev}")
    con.close()
    return out


def _approve_everyone(s, ev) -> None:
    """The people added to the meeting stand on the list its leader approved, as the demo's own do: members of the
    approved list snapshot with their identity fingerprints (what the desk checks). Without this every bench scan
    was a red "not on the approved list", and the admitting path (attendance, locker) was never timed."""
    from planners.attendees.identity import fingerprint
    from planners.store.models import Attendee
    from planners.store.models_signoff import EventSignoff, SnapshotMember

    snap = s.get(EventSignoff, ev.id).list_snapshot_id
    have = {m for (m,) in s.query(SnapshotMember.attendee_id).filter_by(snapshot_id=snap)}
    s.add_all([SnapshotMember(snapshot_id=snap, attendee_id=a.id, fingerprint=fingerprint(a))
               for a in s.query(Attendee).filter_by(event_id=ev.id) if a.id not in have])


def _prepared(tmp_path_factory, factor: int):
    from planners.attendees import badges
    from planners.base import demo as demo_mod
    from planners.store import db as dbmod
    from planners.store import schema, uow
    from planners.store.models import Attendee, Event

    d = tmp_path_factory.mktemp(f"pages{factor}")
    url = f"sqlite:///{d / 'conclave.db'}"
    keys = str(d / "keys")
    os.environ["CONCLAVE_KEYS_DIR"] = keys
    schema.upgrade(url)
    with uow.write_session(url) as s:
        for role in ROLES:
            make_user(s, role, role)
    with uow.write_session(url) as s:
        demo_mod.load(s)
    t0 = time.perf_counter()
    sizes = _scale_up(url, factor)
    sizes["build_s"] = round(time.perf_counter() - t0, 2)
    with uow.write_session(url) as s:
        ev = s.query(Event).filter_by(title=MEETING_NOW).one()
        _approve_everyone(s, ev)
        admitted = [a.id for a in s.query(Attendee).filter_by(event_id=ev.id, pledge_signed=True)
                    .order_by(Attendee.id.desc()).limit(N_CODES)]
        codes = [c for _, c in badges.codes_for_event(s, ev.id, actor="system", attendee_ids=admitted)]
    dbmod.dispose_all()
    return url, keys, codes, sizes


# ---- measuring ------------------------------------------------------------------------------------------------

def _cpu(pid: int) -> float:
    """utime + stime of `pid` and its threads, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


_MARK = "() => { const m = document.querySelector(\"[data-testid='cv-run']\"); return m ? m.dataset.run : ''; }"
_ARM = "() => { window.__cvBefore = (%s)(); }" % _MARK
# done: Streamlit's run state is `notRunning` and the run marker (app.py, CONCLAVE_RUN_MARKER) has a new number:
# the server ran a new page run and it is over. A run too quick for the browser to draw it running is still seen,
# and a page change (which clears the main area before any run starts) is not taken for a finished run — the
# main area's text was read before, and some cold pages were timed at 0.1 s with 0.03 s of server CPU
_DONE = """() => { const app = document.querySelector("[data-testid='stApp']");
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  return (%s)() !== window.__cvBefore; }""" % _MARK


def _arm(page) -> None:
    """Note the run marker's number: the next run is done when the number has changed and the run state is idle."""
    page.evaluate(_ARM)


def _wait_done(page, timeout: float = 60000) -> None:
    page.wait_for_function(_DONE, timeout=timeout)


def _wait_idle(page, timeout: float = 60000) -> None:
    page.wait_for_function("() => document.querySelector(\"[data-testid='stApp']\")"
                           "?.getAttribute('data-test-script-state') === 'notRunning'", timeout=timeout)


_NAV: list[str] = []  # the signed-in role's sidebar, in order (planners.base.auth.pages_for)


class Meter:
    def __init__(self, pid: int):
        self.pid = pid

    def time(self, act, done) -> tuple[float, float]:
        c0, t0 = _cpu(self.pid), time.perf_counter()
        act()
        done()
        return time.perf_counter() - t0, _cpu(self.pid) - c0


_ROLE = [""]  # the role being measured


def _open(page, meter: Meter, name: str) -> tuple[float, float]:
    _wait_idle(page)
    _arm(page)
    link = page.locator(f"[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']").nth(_NAV.index(name))
    return meter.time(link.click, lambda: _wait_done(page))


def _pick_desk(page) -> None:
    """Choose the first registered desk. The picker may be drawn again by a run still finishing: click until its
    options show (a condition, never a pause)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector(".st-key-desk_pick")
    for attempt in range(5):
        _wait_idle(page)
        page.locator(".st-key-desk_pick").click()
        try:
            page.locator("[role='option']").first.wait_for(timeout=5000)
            break
        except PlaywrightTimeout:
            if attempt == 4:
                raise
    page.locator("[role='option']").first.click()
    page.wait_for_selector(".st-key-scan_input input")
    _wait_idle(page)


def _row(name: str, walls: list[float], cpus: list[float], floor: float | None) -> dict:
    med = statistics.median(walls)
    return {"what": name, "n": len(walls), "median_s": round(med, 3), "p95_s": round(_pct(walls, 95), 3),
            "server_cpu_s": round(statistics.median(cpus), 3),
            "x_floor": round(med / floor, 1) if floor else None}


def _print(size: int, sizes: dict, rows: list[dict], floor: float) -> None:
    print(f"\n[bench pages] size {size}x  data {json.dumps(sizes, ensure_ascii=False)}  floor {floor * 1000:.0f} ms")
    print(f"{'what':<34} {'n':>3} {'median ms':>10} {'p95 ms':>8} {'srv CPU ms':>10} {'x floor':>8}")
    for r in rows:
        print(f"{r['what']:<34} {r['n']:>3} {r['median_s'] * 1000:>10.0f} {r['p95_s'] * 1000:>8.0f} "
              f"{r['server_cpu_s'] * 1000:>10.0f} {r['x_floor'] if r['x_floor'] is not None else '':>8}")


# ---- the main actions (issue 17): click -> Streamlit's run state idle again (or the download arriving) ----------

IMPORT_ROWS = 1000
PDF_TIMES = 3  # the plan PDF is made this many times (the first in the process cuts its font); judged on the median
BADGE_ROWS = 20  # the badge sheet: 20 from the page in 2 s
BENCH_EVENT = "基准测试专题会"
_HEADER = "姓名,单位,职务,证件类型,证件号后四位,国籍,外资企业人员,涉密等级,涉密人员类别,已签保密承诺书,参会身份,指定人"


def _click_done(page, meter: Meter, locator, *, then: str | None = None) -> tuple[float, float]:
    """Click `locator`; done when the run it starts has finished (and `then`, a selector, is shown)."""
    _wait_idle(page)
    _arm(page)

    def done():
        _wait_done(page)
        if then:
            page.wait_for_selector(then)
    return meter.time(locator.click, done)


def _goto(page, name: str) -> None:
    _wait_idle(page)
    _arm(page)
    page.locator("[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']").nth(_NAV.index(name)).click()
    _wait_done(page)


def _tab(page, name: str) -> None:
    _wait_idle(page)
    page.get_by_role("tab", name=name, exact=True).first.click()


def _choose(page, combo, label: str) -> None:
    """Choose `label` in a selectbox once the page is idle: type it into the combobox (the list opens, filtered to
    it) and click the option; if the option does not show (a re-render closed the list), type again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    option = page.get_by_role("option", name=label, exact=True)
    for attempt in range(4):
        _wait_idle(page)
        combo.click()
        combo.fill(label)
        try:  # a re-render can also cover the open list at the click: then the list is opened again
            option.wait_for(state="visible", timeout=10000)
            option.click(timeout=10000)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
    _wait_idle(page)


def _create_event(page, meter: Meter, title: str) -> tuple[float, float]:
    """The events page's "New event": a title and 秘密, then Create (timed); the new event becomes the current one."""
    _goto(page, "events")
    exp = page.locator("[data-testid='stExpander']").filter(has_text="New event")
    if not exp.locator("input").first.is_visible():
        exp.locator("summary").click()
    exp.get_by_role("textbox", name="Short title (non-secret)").fill(title)
    _choose(page, exp.get_by_role("combobox", name="Classification level"), "Secret")
    return _click_done(page, meter, exp.get_by_role("button", name="Create event"), then=f"text=Event “{title}” created.")


def _import_and_badges(page, meter: Meter, tmp: Path, rows: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """On the attendees page of the current event: import `rows` people from a CSV (timed from the Import click),
    then make their badge sheet (timed from the click to the sheet ready for download)."""
    _goto(page, "attendees")
    lines = [_HEADER] + [f"基准参会人{i:05d},市财政局第{i % 40}处,处长,居民身份证,{i % 10000:04d},CN,否,机密,一般,是,参会人员,"
                         for i in range(rows)]
    f = tmp / f"bench-import-{rows}.csv"
    f.write_text("\r\n".join(lines), encoding="utf-8")
    _tab(page, "Import")
    _arm(page)
    page.locator(".st-key-att_upload input[type='file']").set_input_files(str(f))
    _wait_done(page)
    page.wait_for_selector(".st-key-att_import button")
    imported = _click_done(page, meter, page.locator(".st-key-att_import button"))
    _tab(page, "Badges")
    made = _click_done(page, meter, page.locator(".st-key-att_make_pdf button"), then=".st-key-att_make_pdf_dl")
    return imported, made


def _organizer_actions(page, meter: Meter, tmp: Path) -> dict[str, list]:
    """Create an event, mark a task and make the plan PDF on the plan's own page, import 20 people and make their
    badges (the issue's sheet of 20), then a second event with 1,000 imported and badged (how it grows)."""
    out: dict[str, list] = {"create event": [_create_event(page, meter, BENCH_EVENT)]}
    _goto(page, "plan")  # issue 16: the plan's own page; a task is marked on its row (the first open one)
    # an action the bench cannot find is a failure, not a missing row (they moved once and timed nothing)
    row = page.locator("[class*='st-key-planrow_']").filter(has=page.locator("button", has_text="Done")).first
    row.wait_for(state="visible", timeout=30000)  # fails the bench if the plan page shows no task to mark Done
    out["mark a task"] = [_click_done(page, meter, row.locator("button", has_text="Done").first)]
    pdf = page.get_by_role("button", name=re.compile("PDF"))
    pdf.first.wait_for(state="visible", timeout=30000)  # and if it has no PDF button
    out["make the plan PDF"] = []
    for _ in range(PDF_TIMES):  # the plan's PDF, built when its button is pressed: click -> the file arrives
        _wait_idle(page)
        t0, c0 = time.perf_counter(), _cpu(meter.pid)
        with page.expect_download(timeout=60000):
            pdf.first.click()
        out["make the plan PDF"].append((time.perf_counter() - t0, _cpu(meter.pid) - c0))
    imp, made = _import_and_badges(page, meter, tmp, BADGE_ROWS)
    out[f"import {BADGE_ROWS} rows"], out[f"make badges ({BADGE_ROWS})"] = [imp], [made]
    out["create event"].append(_create_event(page, meter, BENCH_EVENT + "（千人）"))
    imp, made = _import_and_badges(page, meter, tmp, IMPORT_ROWS)
    out["import 1,000 rows"], out["make badges (1,000)"] = [imp], [made]
    return out


def _leader_actions(page, meter: Meter) -> dict[str, list]:
    """Decide the first pending approval: Approve, then the confirmation (the decision's own click is timed)."""
    _goto(page, "approvals")
    card = page.locator("[class*='st-key-approval_']").filter(has=page.get_by_role("button", name="Approve")).first
    if not card.count():
        return {}
    _click_done(page, meter, card.get_by_role("button", name="Approve"))
    return {"decide an approval": [_click_done(page, meter,
                                               card.get_by_role("button", name=re.compile("^Confirm: approve")))]}


# ---- the benchmark --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


# The desk's latency in the page's own clock: from the code's end as the browser got it (the input event that
# completed the code, or the Enter keydown if it came first — the desk submits a code on its own end, from its
# length and alphabet, so with a scanner that sends Enter the code's last character usually wins) to the first
# frame painted after the verdict
# banner's text changed (a MutationObserver, then requestAnimationFrame). Playwright's own round trips (fill, press,
# polling) are left out: they are the test driver's, not the desk's, and cost 30-60 ms per scan here.
_SCAN_ARM = """(enter) => {
  const field = document.querySelector(".st-key-scan_input input");
  const text = () => { const v = document.querySelector("[data-testid='verdict']"); return v ? v.innerText : ''; };
  window.__cvT0 = null; window.__cvT1 = null; const before = text();
  if (window.__cvScanObs) window.__cvScanObs.disconnect();
  const stamp = () => { if (window.__cvT0 === null) window.__cvT0 = performance.now(); };
  field.addEventListener('input', stamp, {capture: true, once: true});
  if (enter) field.addEventListener('keydown', (e) => { if (e.key === 'Enter') stamp(); }, {capture: true, once: true});
  window.__cvScanObs = new MutationObserver(() => {
    if (window.__cvT1 === null && window.__cvT0 !== null && text() !== before) {
      window.__cvT1 = -1; requestAnimationFrame(() => { window.__cvT1 = performance.now(); }); } });
  window.__cvScanObs.observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


def _scan(page, meter: Meter, code: str, enter: bool) -> tuple[float, float]:
    """One scan: (the desk's latency in the page's clock, the server's CPU over the scan) in seconds."""
    field = page.locator(".st-key-scan_input input")
    _wait_idle(page)
    page.evaluate(_SCAN_ARM, enter)
    c0 = _cpu(meter.pid)
    field.fill(code)  # a scanner without Enter: the whole code arrives in the field, nothing else
    if enter:
        field.press("Enter")
    page.wait_for_function("() => window.__cvT1 !== null && window.__cvT1 > 0", timeout=30000)
    _wait_idle(page)  # the fragment's run is over before the next scan (its CPU belongs to this one)
    ms = page.evaluate("() => window.__cvT1 - window.__cvT0")
    return ms / 1000, _cpu(meter.pid) - c0


@pytest.mark.parametrize("size", SIZES)
def test_every_page_and_the_desk_under_the_human_threshold(size, tmp_path_factory, browser):
    from planners.base import auth

    url, keys, codes, sizes = _prepared(tmp_path_factory, size)
    srv = Server(url, keys, {"CONCLAVE_RUN_MARKER": "1"})
    sizes["server_rss_mb_start"] = _rss_mb(srv.proc.pid)
    try:
        meter = Meter(srv.proc.pid)
        rows: list[dict] = []
        failures: list[str] = []
        floor_walls: list[float] = []
        floor_cpus: list[float] = []
        per_role: dict[str, dict] = {}
        for role in ROLES:
            _ROLE[0] = role
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            page.set_default_timeout(60000)
            t0, c0 = time.perf_counter(), _cpu(srv.proc.pid)
            sign_in(page, srv.base, role, TEST_PASSWORD)
            _wait_idle(page)
            per_role[role] = {"sign_in": (time.perf_counter() - t0, _cpu(srv.proc.pid) - c0)}
            _NAV[:] = auth.pages_for(role)
            pages = [p for p in _NAV if p != "home"]
            for name in pages:  # cold: first opening in this session
                print(f"[bench pages] {role}: {name} cold", flush=True)
                w, c = _open(page, meter, name)
                if name == "checkin":  # the desk binds itself to a registered device first
                    _pick_desk(page)
                per_role[role][name] = {"cold": (w, c), "warm": []}
            for _ in range(REPEAT):
                w, c = _open(page, meter, "home")
                floor_walls.append(w)
                floor_cpus.append(c)
                for name in pages:
                    per_role[role][name]["warm"].append(_open(page, meter, name))
            if role == "organizer":
                for label, res in _organizer_actions(page, meter, tmp_path_factory.mktemp("actions")).items():
                    per_role[role][label] = {"samples": res, "action": True}
                    print(f"[bench pages] organizer: {label} " + ", ".join(f"{w:.3f} s (server CPU {c:.3f} s)" for w, c in res),
                          flush=True)
            if role == "leader":
                for label, res in _leader_actions(page, meter).items():
                    per_role[role][label] = {"samples": res, "action": True}
                    print(f"[bench pages] leader: {label} {res[0][0]:.3f} s, server CPU {res[0][1]:.3f} s", flush=True)
            if role == "front_desk":
                _open(page, meter, "checkin")
                page.wait_for_selector(".st-key-scan_input input")
                per_role[role]["desk first scan"] = {"samples": [_scan(page, meter, codes[0], True)], "action": True}
                for label, enter, take in (("desk scan + Enter", True, codes[1:SCANS + 1]),
                                           ("desk scan, no Enter", False, codes[SCANS + 1:2 * SCANS + 1])):
                    res = [_scan(page, meter, c, enter) for c in take]
                    per_role[role][label] = {"samples": res}
            ctx.close()
        floor = statistics.median(floor_walls)
        rows.append(_row("floor: sidebar -> home", floor_walls, floor_cpus, None))
        first_cold = []
        for role, figs in per_role.items():
            w, c = figs["sign_in"]
            rows.append(_row(f"{role}: sign-in", [w], [c], floor))
            for name, f in figs.items():
                if name == "sign_in":
                    continue
                if "samples" in f:
                    walls, cpus = [x[0] for x in f["samples"]], [x[1] for x in f["samples"]]
                    r = _row(f"{role}: {name}", walls, cpus, floor)
                    rows.append(r)
                    if f.get("action"):
                        limit = ACTION_TARGET.get(r["what"])
                        if limit is not None and r["median_s"] > limit:
                            failures.append(f"{r['what']} {r['median_s']:.2f} s > {limit} s")
                        continue
                    target = DESK_ENTER_P95 if "Enter" in name and "no" not in name else DESK_NO_ENTER_P95
                    if r["p95_s"] > target:
                        failures.append(f"{name} p95 {r['p95_s']:.3f} s > {target} s")
                    continue
                rows.append(_row(f"{role}: {name} cold", [f["cold"][0]], [f["cold"][1]], floor))
                first_cold.append(f["cold"][0])
                walls, cpus = [x[0] for x in f["warm"]], [x[1] for x in f["warm"]]
                r = _row(f"{role}: {name} warm", walls, cpus, floor)
                rows.append(r)
                if name in WARM_TARGET and r["median_s"] > WARM_TARGET[name]:
                    failures.append(f"{role}: {name} warm median {r['median_s']:.2f} s > {WARM_TARGET[name]} s")
        organizer_first = per_role["organizer"].get("events", {}).get("cold", (0, 0))[0]
        if organizer_first > COLD_FIRST_TARGET:
            failures.append(f"cold first page (events) {organizer_first:.2f} s > {COLD_FIRST_TARGET} s")
        sizes["server_rss_mb_end"] = _rss_mb(srv.proc.pid)  # postScriptGC is off (issue 17): the heap is watched
        _print(size, sizes, rows, floor)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"pages-{size}x.json").write_text(json.dumps(
            {"size": size, "data": sizes, "floor_s": floor, "rows": rows, "failures": failures,
             "load": os.getloadavg()}, indent=1, ensure_ascii=False))
    finally:
        srv.stop()
    assert not failures, "targets missed (issue 17):\n  " + "\n  ".join(failures)
