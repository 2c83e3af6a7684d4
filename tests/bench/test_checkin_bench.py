"""Benchmarks of the allow-list, badges and front desk (run by `make bench`; they print and assert targets).

Figures go to bench-results/checkin.json."""
from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import time
from pathlib import Path

import pytest


from planners.store import uow
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import ROOT, TEST_PASSWORD

pytestmark = pytest.mark.bench
RESULTS = ROOT / "bench-results" / "checkin.json"
N_ATTENDEES = 10_000
N_SCANS = 2_000


def _save(section: str, figures: dict) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[section] = figures
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    print(f"\n[bench checkin] {section}: {json.dumps(figures, ensure_ascii=False)}")


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _people(n: int) -> list[dict]:
    return [dict(name=f"参会人{i:05d}", unit=f"单位{i % 50}", id_last4=f"{i % 10000:04d}", **CLEARED) for i in range(n)]


def _floor(tmp_path: Path, n: int) -> list[float]:
    """One Ed25519 verification + one indexed select + one insert in one BEGIN IMMEDIATE, bare sqlite3."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pub = key.public_key()
    msg = os.urandom(21)
    sig = key.sign(msg)
    con = sqlite3.connect(tmp_path / "floor.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, event_id INT, name TEXT)")
    con.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, event_id INT, person INT, at TEXT, UNIQUE(event_id, person))")
    con.executemany("INSERT INTO people (event_id, name) VALUES (1, ?)", [(f"p{i}",) for i in range(N_ATTENDEES)])
    lat = []
    for i in range(n):
        t0 = time.perf_counter()
        pub.verify(sig, msg)
        con.execute("BEGIN IMMEDIATE")
        con.execute("SELECT id, name FROM people WHERE id = ?", (i + 1,)).fetchone()
        con.execute("INSERT INTO entries (event_id, person, at) VALUES (1, ?, datetime('now'))", (i + 1,))
        con.execute("COMMIT")
        lat.append(time.perf_counter() - t0)
    con.close()
    return lat


class _Recording:
    """A driver cursor that keeps every statement it runs with its arguments (the replay floor's script)."""

    def __init__(self, cur, into: list):
        self._cur, self._into = cur, into

    def execute(self, sql, args=()):
        self._into.append((sql, args))
        return self._cur.execute(sql, args)

    def __getattr__(self, name):
        return getattr(self._cur, name)


def _copy_db(url: str, to: Path) -> str:
    src = sqlite3.connect(url.removeprefix("sqlite:///"))
    dst = sqlite3.connect(to)
    src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{to}"


def _record_script(url: str, eid: int, codes: list[str], actor) -> list[list[tuple]]:
    """The statements each scan runs on the driver (BEGIN IMMEDIATE to COMMIT), recorded on a copy."""
    from planners import checkin
    from planners.store import fastsql

    script: list[list[tuple]] = []
    orig = fastsql.Tx.__init__

    def init(self, *a, **kw):
        orig(self, *a, **kw)
        self.cur = _Recording(self.cur, script[-1])

    fastsql.Tx.__init__ = init
    try:
        for c in codes:
            script.append([])
            assert checkin.scan(eid, c, desk="bench", actor=actor, url=url).reason == "ok"
    finally:
        fastsql.Tx.__init__ = orig
    return script


def _replay_floor(url: str, script: list[list[tuple]]) -> list[float]:
    """The same SQL with the same arguments, on the same schema and data, through the bare driver with the
    product's connection settings, plus one Ed25519 verification a scan: what a scan costs with no Python of
    Conclave's around its statements. The gap between it and the first floor is what the schema writes (three
    rows, nine index entries, two chains); the gap between the core and it is Conclave's own code."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from planners.store import db as dbmod

    key = Ed25519PrivateKey.generate()
    pub, msg = key.public_key(), os.urandom(21)
    sig = key.sign(msg)
    raw = dbmod.get_engine(url).raw_connection()
    cur = raw.driver_connection.cursor()
    lat = []
    try:
        for statements in script:
            t0 = time.perf_counter()
            pub.verify(sig, msg)
            for sql, args in statements:
                cur.execute(sql, args)
                cur.fetchall()
            lat.append(time.perf_counter() - t0)
    finally:
        raw.close()
    return lat


def test_checkin_core_against_the_measured_floor(db_url, users, tmp_path):
    from planners import checkin

    t0 = time.perf_counter()
    eid, codes = make_event(db_url, users["organizer"], people=_people(N_ATTENDEES))
    setup_s = time.perf_counter() - t0
    order = list(codes.values())
    random.Random(1).shuffle(order)
    fd = users["front_desk"]
    for c in order[:50]:  # warm-up: imports, caches, first pages
        checkin.scan(eid, c, desk="warm", actor=fd)
    timed = order[50:50 + N_SCANS]
    to_record, to_replay = _copy_db(db_url, tmp_path / "record.db"), _copy_db(db_url, tmp_path / "replay.db")
    lat, cpu = [], []
    start = time.perf_counter()
    for c in timed:
        t, p = time.perf_counter(), time.process_time()
        v = checkin.scan(eid, c, desk="bench", actor=fd)
        lat.append(time.perf_counter() - t)
        cpu.append(time.process_time() - p)
        assert v.reason == "ok"
    wall = time.perf_counter() - start
    floor = _floor(tmp_path, N_SCANS)
    script = _record_script(to_record, eid, timed, fd)
    replay = _replay_floor(to_replay, script)
    statements = statistics.median(len(x) - 2 for x in script)  # BEGIN IMMEDIATE and COMMIT not counted
    fig = {"attendees": N_ATTENDEES, "scans": N_SCANS, "setup_s": round(setup_s, 2),
           "scans_per_s": round(N_SCANS / wall, 1), "statements_per_scan": statements,
           "p50_ms": round(_pct(lat, 50) * 1000, 3), "p95_ms": round(_pct(lat, 95) * 1000, 3),
           "cpu_mean_ms": round(statistics.mean(cpu) * 1000, 3),
           "floor_p50_ms": round(_pct(floor, 50) * 1000, 3), "floor_p95_ms": round(_pct(floor, 95) * 1000, 3),
           "replay_p50_ms": round(_pct(replay, 50) * 1000, 3), "replay_p95_ms": round(_pct(replay, 95) * 1000, 3)}
    fig["ratio_p95_to_floor_p95"] = round(fig["p95_ms"] / fig["floor_p95_ms"], 1)
    fig["ratio_p95_to_replay_p95"] = round(fig["p95_ms"] / fig["replay_p95_ms"], 1)
    _save("core", fig)
    assert fig["p95_ms"] < 2.0, fig
    assert fig["p95_ms"] <= 10 * fig["floor_p95_ms"], fig
    # issue 17: Conclave's own code around the statements measured at 2.5-3.6x their bare replay. Reading the
    # person and both chains' heads in one statement each (13 statements -> 6) was tried and reverted: the replay
    # was not faster (SQLite's cost is the pages a scan writes, not the statements), nor the core, over 3 paired runs
    assert fig["ratio_p95_to_replay_p95"] <= 5, fig


def test_import_of_10000_rows_gb18030(db_url, users):
    from planners.attendees import allowlist

    eid, _ = make_event(db_url, users["organizer"], n=0)
    header = "姓名,单位,职务,证件类型,证件号后四位,国籍,外资企业人员,涉密等级,涉密人员类别,已签保密承诺书,参会身份,指定人"
    lines = [header] + [f"参会人{i:05d},市财政局第{i % 40}处,处长,居民身份证,{i % 10000:04d},CN,否,机密,一般,是,参会人员,"
                        for i in range(N_ATTENDEES)]
    data = "\r\n".join(lines).encode("gb18030")
    t = time.perf_counter()
    with uow.write_session(db_url) as s:
        rep = allowlist.import_file(s, eid, "名单.csv", data, actor=users["organizer"])
    took = time.perf_counter() - t
    assert rep.imported == N_ATTENDEES, rep.problems[:3]
    _save("import", {"rows": N_ATTENDEES, "bytes": len(data), "seconds": round(took, 3)})
    assert took < 3.0


def _badge_floor(codes: list[str]) -> float:
    """CPU seconds of the work no badge sheet can skip: sign each badge's token (Ed25519) and encode its QR symbol
    (zxing-cpp), bare, for as many badges as the sheet has."""
    import zxingcpp
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    t = time.process_time()
    for c in codes:
        key.sign(c.encode())
        zxingcpp.create_barcode(c, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return time.process_time() - t


def _timed(fn):
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c, time.perf_counter() - w


def test_badge_pdf_for_20_and_1000_attendees(db_url, users):
    """Issue 17: the sheet as the attendees page makes it (`export`, issuing included), 20 and 1,000 badges, CPU
    and wall. `cold`: the first sheet of the process (the font is cut to its characters: ~0.3 s a face); `warm`:
    the next one, as a running server makes it. Before issue 17: 1.4 s CPU for 20, 3.5-3.8 s for 1,000 (the font
    parsed and subset whole every time, a PNG per QR code)."""
    from planners.attendees import badge_sheet as badges
    from planners.exports import fonts

    figs = {}
    for n in (20, 1000):
        eid, codes = make_event(db_url, users["organizer"], people=_people(n), title=f"检查会议{n}")

        def build():
            with uow.write_session(db_url) as s:
                return badges.export(s, eid, "pdf", actor=users["organizer"])

        fonts.forget_cuts()
        (_, k), cold_cpu, cold_wall = _timed(build)
        warm = [_timed(build) for _ in range(3)]
        (data, k), cpu, wall = min(warm, key=lambda r: r[1])
        floor = min(_badge_floor(list(codes.values())) for _ in range(3))
        assert k == n and data[:4] == b"%PDF"
        figs[str(n)] = {"badges": n, "pages": -(-n // 8), "bytes": len(data),
                        "cold_cpu_s": round(cold_cpu, 3), "cold_wall_s": round(cold_wall, 3),
                        "cpu_s": round(cpu, 3), "wall_s": round(wall, 3), "cpu_ms_per_badge": round(cpu / n * 1000, 2),
                        "floor_sign_qr_cpu_s": round(floor, 3), "ratio_cpu_to_floor": round(cpu / floor, 1)}
    _save("badge_pdf", figs)
    assert figs["20"]["cpu_s"] <= 0.5 and figs["20"]["cold_cpu_s"] <= 1.5, figs
    # 1,000: ~1.8 ms of CPU a badge is left (3.8 before): ~0.7 ms fpdf2's pure-Python text layout (7 cells a badge),
    # ~0.55 ms the QR (0.2 of it zxing-cpp's encoding, in the floor), the rest the query, the signing and the
    # output. Measured 1.7-2.4 s (the floor moving with the load) and 4.6-5.0x the floor on 2 shared cores;
    # before: 3.8 s and 9.2x. The ratio is the load-proof check, the absolute bound a loose one
    assert figs["1000"]["cpu_s"] <= 3.0 and figs["1000"]["ratio_cpu_to_floor"] <= 7, figs


@pytest.mark.e2e
def test_desk_in_a_browser_code_and_enter_to_verdict(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, Server, sign_in, wait_idle
    from tests.e2e.test_checkin_flow import pick_desk
    from tests.e2e.test_checkin_flow import prepare_desk_db

    url, keys, eid, codes = prepare_desk_db(tmp_path_factory, _people(N_ATTENDEES))
    srv = Server(url, keys)
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        sign_in(page, srv.base, "front_desk", TEST_PASSWORD, path="checkin")
        pick_desk(page)
        page.wait_for_selector(".st-key-scan_input input")
        wait_idle(page)
        field = page.locator(".st-key-scan_input input")
        names = list(codes)
        random.Random(2).shuffle(names)
        lat = []
        for i, name in enumerate(names[:55]):
            field.fill(codes[name])
            t = time.perf_counter()
            field.press("Enter")
            page.wait_for_function(
                "(n) => { const v = document.querySelector(\"[data-testid='verdict']\");"
                " return v && v.innerText.includes(n); }", arg=name, timeout=15000, polling="raf")
            took = time.perf_counter() - t
            if i >= 5:
                lat.append(took)
            wait_idle(page)
        ctx.close()
    finally:
        browser.close()
        pw.stop()
        srv.stop()
    fig = {"attendees": N_ATTENDEES, "scans": len(lat), "p50_ms": round(_pct(lat, 50) * 1000, 1),
           "p95_ms": round(_pct(lat, 95) * 1000, 1), "mean_ms": round(statistics.mean(lat) * 1000, 1)}
    _save("desk_browser", fig)
    assert fig["p95_ms"] < 500, fig
