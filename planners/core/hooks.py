"""Every extension point of Conclave, declared once (the habit of Datasette's `hookspecs.py`).

An area never imports another area to patch a slot. It *answers* a hook, and `planners/wiring.py` says, in one
table, which area answers which hook. The entry points (`pages/parts/ui.py`, `planners/cli/main.py`, the test
suite) import `planners.wiring`, which installs that table here (each hook's answers imported when it is first
asked for, issue 17); asking for a hook before it is installed is an
error, never a silent "nobody answers" (a gate that silently disappears would let an event become ready).

| hook             | keyed by        | an answer is called as                          | asked by                          |
|------------------|-----------------|-------------------------------------------------|-----------------------------------|
| gate             | target status   | fn(session, event) -> list[Finding]             | base.events.check_transition      |
| event_changed    | created/updated | fn(session, event, actor) -> None               | base.events create/update/undo    |
| venue_changed    | —               | fn(session, venue, actor) -> None               | venues.update_venue               |
| on_decision      | approval kind   | fn(session, approval, leader) -> None           | base.approvals.decide             |
| attention        | —               | fn(session, principal) -> list[Attention]       | base.home.attention               |
| exit_attention   | —               | fn(session, event, attendee) -> list[dict]      | checkin (after an exit)           |
| attendee_present | —               | fn(session, event_id, attendee_id) -> bool      | documents (may a copy be issued)  |
| demo_step        | —               | fn(session, ctx) -> None, in the table's order  | base.demo.load                    |
| attendees_changed| —               | fn(session, event, actor) -> None               | attendees.allowlist (issue 11)    |
| exit_take_back   | —               | fn(session, event, attendee, actor, desk) -> list[str] | checkin.take_back_and_exit |
| board_findings   | —               | fn(session, event) -> list[Finding]             | plan.board.live_findings (issue 15) |
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator
from planners.core.errors import HooksNotInstalled, UnknownHook


@dataclass(frozen=True, kw_only=True)
class Hook:
    name: str
    keyed: bool
    doc: str


HOOKS: dict[str, Hook] = {h.name: h for h in (
    Hook(name="gate", keyed=True,
         doc="Findings that stop an event from entering a status; a BLOCKER not met refuses the transition."),
    Hook(name="event_changed", keyed=True,
         doc="Runs in the same transaction after an event is 'created' or 'updated' (e.g. rebuild its plan)."),
    Hook(name="venue_changed", keyed=False,
         doc="Runs in the same transaction after a venue's facts change (e.g. rebuild the plans that use it)."),
    Hook(name="on_decision", keyed=True,
         doc="Applies a leader's decision on an approval item of this kind to the area's own object."),
    Hook(name="attention", keyed=False,
         doc="What needs the signed-in person's attention on the home page, each with why."),
    Hook(name="exit_attention", keyed=False,
         doc="What the desk must take back at check-out (e.g. numbered copies), read once the exit is recorded."),
    Hook(name="attendee_present", keyed=False,
         doc="Whether the person counts as present for the event (no answer: everyone does)."),
    Hook(name="demo_step", keyed=False,
         doc="One area's part of the demo scenario, run after the foundation step; running twice changes nothing."),
    # issue 11
    Hook(name="attendees_changed", keyed=False,
         doc="Runs in the same transaction after people are added to, removed from or edited in an event's list."),
    # issue 16
    Hook(name="exit_take_back", keyed=False,
         doc="Take back at the desk what stops a person's exit (exit_attention items with blocks_exit); "
             "returns the codes taken back."),
    # issue 15
    Hook(name="board_findings", keyed=False,
         doc="What an area finds wrong while an event runs, shown on its plan board (a missed end-of-day check)."),
)}


Table = dict[str, object]  # hook name -> list of answers, or {key: list of answers} for a keyed hook
_table: Table | None = None
_lazy: dict[str, Callable[[], object]] = {}  # issue 17: hook name -> the function giving its answers


def _check(name: str, answers: object) -> None:
    hook = HOOKS.get(name)
    if hook is None:
        raise UnknownHook(f"wiring answers {name!r}, which core/hooks.py does not declare")
    if hook.keyed != isinstance(answers, dict):
        raise UnknownHook(f"hook {name!r} is {'keyed' if hook.keyed else 'not keyed'}; fix its wiring entry")


def install(table: Table, *, lazy: bool = False) -> None:
    """Install the wiring table (planners.wiring does this once, when it is imported). `lazy`: each entry is a
    function giving that hook's answers, called (its areas imported) the first time the hook is asked for."""
    global _table
    for name, answers in table.items():
        if lazy:
            if name not in HOOKS:
                raise UnknownHook(f"wiring answers {name!r}, which core/hooks.py does not declare")
        else:
            _check(name, answers)
    missing = set(HOOKS) - set(table)
    if missing:
        raise UnknownHook(f"wiring gives no entry for {sorted(missing)}; give each hook an entry (an empty list)")
    _lazy.clear()
    if lazy:
        _lazy.update(table)  # type: ignore[arg-type]
        _table = {}
    else:
        _table = dict(table)


def installed() -> bool:
    return _table is not None


def _entry(name: str) -> object:
    if _table is None:
        raise HooksNotInstalled("Import planners.wiring at the entry point before using Conclave's areas.")
    if name not in _table:
        if name not in _lazy:
            raise UnknownHook(f"no hook {name!r}: core/hooks.py declares {sorted(HOOKS)}")
        got = _lazy[name]()
        _check(name, got)
        _table[name] = got
    return _table[name]


def answers(name: str, key: str | None = None) -> list[Callable]:
    """The answers to `name` (for `key` if the hook is keyed), in the wiring table's order."""
    entry = _entry(name)
    if HOOKS[name].keyed:
        return list(entry.get(key, ()))  # type: ignore[union-attr]
    return list(entry)  # type: ignore[arg-type]


@contextmanager
def replaced(name: str, new_answers: list[Callable], key: str | None = None) -> Iterator[None]:
    """Tests: answer `name` (for `key`) with `new_answers` inside the block, then restore the table."""
    if _table is None:
        raise HooksNotInstalled("Import planners.wiring before replacing a hook.")
    old = _entry(name)
    if HOOKS[name].keyed:
        _table[name] = {**old, key: list(new_answers)}  # type: ignore[dict-item]
    else:
        _table[name] = list(new_answers)
    try:
        yield
    finally:
        _table[name] = old
