"""Issue 16: the badge sheet offers "eligible only" (on by default) and marks the others when they are included;
the badge files and the desk's roll call are one click, built under a progress box, the download started."""
from __future__ import annotations

import pytest

from planners.attendees import badge_sheet
from planners.store import uow
from planners.store.models import Attendee, Event
from tests.checkin.helpers import CLEARED, make_event
from tests.conftest import app_test
from tests.helpers import pdf_text

PEOPLE = [dict(name="王明", unit="市财政局", id_last4="1001", **CLEARED),
          dict(name="赵六", unit="市商务局", id_last4="1004", clearance="confidential", pledge_signed=False)]


@pytest.fixture
def event(db_url, users):
    eid, _codes = make_event(db_url, users["organizer"], people=PEOPLE)
    return eid


def test_the_sheet_leaves_out_or_marks_whoever_is_not_eligible(event, db_url, users):
    with uow.write_session(db_url) as s:
        ev = s.get(Event, event)
        others = badge_sheet.not_eligible(s, ev)
        names = {a.id: a.name for a in s.query(Attendee).filter_by(event_id=event)}
        assert [names[i] for i in others] == ["赵六"]
        only, n_only = badge_sheet.export(s, event, "pdf", actor=users["organizer"], eligible_only=True)
        full, n_full = badge_sheet.export(s, event, "pdf", actor=users["organizer"], eligible_only=False)
        csv_only, _ = badge_sheet.export(s, event, "csv", actor=users["organizer"], eligible_only=True)
    assert (n_only, n_full) == (1, 2)
    text = pdf_text(only)
    assert "王明" in text and "赵六" not in text and "不符合参会条件" not in text
    text = pdf_text(full)
    assert "王明" in text and "赵六" in text
    assert text.count("不符合参会条件") == 1 and text.count("NOT ELIGIBLE") == 1
    assert "赵六" not in csv_only.decode("utf-8-sig")


def _auto_download(at, key: str) -> bool:
    return any(f".st-key-{key}_dl button" in h.proto.body for h in at.get("html"))


@pytest.mark.parametrize("lang", ["zh_CN"])  # the English strings: test_the_english_strings_exist
def test_one_click_makes_the_badge_sheet_with_progress(event, users, lang):
    at = app_test("attendees", user=users["organizer"], lang=lang).run()
    assert not at.exception
    assert at.toggle(key="att_eligible_only").value is True
    left_out = "1人不符合参会条件，未列入" if lang == "zh_CN" else "1 not eligible now: left out"
    assert any(left_out in c.value for c in at.caption)
    at.button(key="att_make_pdf").click().run()
    assert not at.exception
    assert at.status, "a progress box while the sheet is built"
    done = "证件已生成：1张" if lang == "zh_CN" else "Badges ready: 1"
    assert any(done in st_.label for st_ in at.status)
    assert _auto_download(at, "att_make_pdf"), "the download starts without a second click"
    data = at.session_state["att_make_pdf_file"]
    assert data[:4] == b"%PDF" and "赵六" not in pdf_text(data)
    at.toggle(key="att_eligible_only").set_value(False).run()
    marked = "已列入，其证件印有" if lang == "zh_CN" else "included, their badges marked"
    assert any(marked in c.value for c in at.caption)
    assert not _auto_download(at, "att_make_pdf"), "a later rerun does not download again"
    at.button(key="att_make_pdf").click().run()
    assert "赵六" in pdf_text(at.session_state["att_make_pdf_file"])


def test_the_roll_call_is_one_click(event, db_url, users):
    from tests.ui.test_desk_stumbles import _at_desk

    with uow.write_session(db_url) as s:
        s.get(Event, event).status = "in_progress"
    at = _at_desk(users["front_desk"], "zh_CN")
    at.button(key="desk_roll_call").click().run()
    assert not at.exception
    assert at.status and _auto_download(at, "desk_roll_call")
    assert at.get("download_button")


def test_the_english_strings_exist():
    from planners.core.i18n import t

    assert t("att.left_out", "en", n=2).startswith("2 not eligible now: left out")
    assert t("att.built", "en", n=3) == "Badges ready: 3."
    assert t("badges.not_eligible_mark", "en") == "NOT ELIGIBLE"


def test_the_cli_offers_eligible_only(event, tmp_path):
    from click.testing import CliRunner

    from planners.cli import main
    from tests.conftest import TEST_PASSWORD

    runner = CliRunner(env={"CONCLAVE_PASSWORD": TEST_PASSWORD})
    out = tmp_path / "b.csv"
    r = runner.invoke(main, ["badges", str(event), "--out", str(out), "--eligible-only", "--as", "organizer"])
    assert r.exit_code == 0, r.output
    assert "1 badge written" in r.output and "赵六" not in out.read_text(encoding="utf-8-sig")
    r = runner.invoke(main, ["badges", str(event), "--out", str(out), "--as", "organizer"])
    assert r.exit_code == 0 and "赵六" in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_beyond_the_pick_limit_one_search_narrows_the_badge_and_photo_pickers(event, users, monkeypatch, lang):
    """Issue 17: the attendees page's person pickers use the house's one narrowing (ui.narrowed), as the documents
    and sessions pages do; a search that finds nobody leaves the one-badge buttons out instead of failing."""
    from pages.parts import ui

    monkeypatch.setattr(ui, "PICK_MAX", 1)  # two people on the list: beyond the limit
    at = app_test("attendees", user=users["organizer"], lang=lang).run()
    assert not at.exception
    at.text_input(key="att_one_find").set_value("赵六").run()
    assert not at.exception
    assert at.selectbox(key="att_one").options == ["赵六 · 市商务局"]
    assert at.text_input(key="att_photo_find")  # the photos' picker narrows the same way
    at.text_input(key="att_one_find").set_value("nobody").run()
    assert not at.exception
    assert at.selectbox(key="att_one").options == [] and "att_make_png" not in {b.key for b in at.button}
