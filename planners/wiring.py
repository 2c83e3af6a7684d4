"""Which area answers which hook: the one table (cosmicpython's EVENT_HANDLERS, Datasette's DEFAULT_PLUGINS).

The hooks themselves are declared in planners/core/hooks.py, each with its signature. This is the only module
that imports every area; the entry points (pages/parts/ui.py, planners/cli/main.py, the tests) import it,
which installs the table. The order of a list is the order the answers run in (the demo steps depend on it).

Issue 17: each hook's answers are imported when that hook is first asked for, by its function below (plain
imports inside a function, as planners/cli/main.py's `_module()`; no dynamic import). So `conclave scan`, which asks
no hook for an entry, loads no area but the desk's, and a page loads the areas it uses. TABLE names, for each
hook, the function giving its answers; `resolved()` gives them all (the layering tests).

A new answer: add it to its hook's function, with its import inside that function, in a block marked `# issue N`.
A new hook: a function `_<hook>()` and one line at the end of TABLE.
"""
from __future__ import annotations

from typing import Callable

from planners.core import hooks


def _gate():
    from planners.documents import hooks as documents_hooks
    from planners.plan import hooks as plan_hooks, signoff  # signoff: issue 11
    from planners.venues import suitability
    from planners.visits import gates as visit_gates  # issue 12

    return {
        "ready": [suitability.ready_findings, plan_hooks.plan_ready_findings, signoff.ready_findings,
                  visit_gates.scope_ready_findings],  # issue 12
        "closed": [documents_hooks.no_copy_outstanding,
                   visit_gates.report_closed_findings],  # issue 12
    }


def _event_changed():
    from planners.plan import hooks as plan_hooks, signoff  # signoff: issue 11

    return {
        "created": [plan_hooks.rebuild_on_change],
        "updated": [plan_hooks.rebuild_on_change, signoff.on_event_changed],
    }


def _venue_changed():
    from planners.plan import hooks as plan_hooks

    return [plan_hooks.on_venue_changed]


def _on_decision():
    from planners.attendees import eligibility
    from planners.documents import destruction, register as documents_register
    from planners.plan import board as plan_board
    from planners.plan import signoff  # issue 11
    from planners.people import register as people_register  # issue 13
    from planners.trips import carry as trips_carry, debrief as trips_debrief, requests as trips_requests  # issue 14
    from planners.visits import disclosure, requests as visit_requests
    from planners.visits import gates as visit_gates, locations as visit_locations, report as visit_report  # issue 12
    from planners.visits import decision as visit_decision  # issue 16

    return {
        plan_board.NA_KIND: [plan_board.apply_na_decision],
        eligibility.EXCEPTION_KIND: [eligibility.apply_exception_decision],
        visit_requests.KIND: [visit_requests.apply_decision,
                              visit_decision.request_decided],  # issue 16: decided with its scope
        disclosure.KIND: [disclosure.apply_decision, visit_gates.mark_scope_task,  # issue 12: + plan task
                          visit_decision.scope_decided],  # issue 16: only with (or after) its request
        disclosure.INCIDENT_KIND: [disclosure.incident_seen],
        "document_copy": [documents_register.on_copy_decision],
        "document_destruction": [destruction.on_destruction_decision],
        signoff.PLAN_KIND: [signoff.apply_decision],  # issue 11
        signoff.LIST_KIND: [signoff.apply_decision],
        people_register.KIND: [people_register.apply_decision],  # issue 13
        trips_requests.KIND: [trips_requests.apply_decision],  # issue 14
        trips_carry.KIND: [trips_carry.on_carry_decision],
        trips_debrief.INFO_KIND: [trips_debrief.info_seen],
        visit_locations.KIND: [visit_locations.apply_location_decision],  # issue 12
        visit_locations.EXCEPTION_KIND: [visit_locations.apply_exception_decision],  # issue 12
        visit_report.KIND: [visit_report.apply_report_decision],  # issue 12
    }


def _attention():
    from planners.base import home
    from planners.checkin import findings as checkin_findings  # issue 15
    from planners.documents import hooks as documents_hooks
    from planners.people import home as people_home  # issue 13
    from planners.plan import hooks as plan_hooks
    from planners.trips import debrief as trips_debrief  # issue 14
    from planners.visits import gates as visit_gates  # issue 12
    from planners.visits import requests as visit_requests

    return [
        home.events_starting_soon,
        home.leader_queue,
        plan_hooks.overdue_plan_tasks,
        visit_requests.returned_to_me,
        documents_hooks.loss_incidents,
        people_home.expiring,  # issue 13
        trips_debrief.overdue_trips,  # issue 14
        checkin_findings.missed_room_checks,  # issue 15
        checkin_findings.offline_conflicts,  # issue 15
        visit_gates.foreign_affairs_items,  # issue 12
        checkin_findings.desks_under_way,  # issue 16 (h16d)
    ]


def _exit_attention():
    from planners.documents import hooks as documents_hooks

    return [documents_hooks.copies_to_take_back]


def _attendee_present():
    from planners.checkin import hooks as checkin_hooks

    return [checkin_hooks.checked_in_when_desk_runs]


def _demo_step():
    from planners.base import demo
    from planners.checkin import hooks as checkin_hooks
    from planners.documents import hooks as documents_hooks
    from planners.people import demo as people_demo  # issue 13
    from planners.plan import hooks as plan_hooks
    from planners.plan import signoff  # issue 11
    from planners.trips import demo as trips_demo  # issue 14
    from planners.venues import hooks as venues_hooks
    from planners.visits import demo as visits_demo

    return [venues_hooks.load_demo, demo.load_events, plan_hooks.load_demo, visits_demo.load_demo,
            documents_hooks.load_demo,
            people_demo.load_demo,  # issue 13: after the events, before the badges
            checkin_hooks.load_demo,
            signoff.load_demo,  # issue 11: after the badges
            trips_demo.load_demo]  # issue 14: after the register


def _attendees_changed():  # issue 11
    from planners.plan import signoff

    return [signoff.on_attendees_changed]


def _exit_take_back():  # issue 16
    from planners.documents import hooks as documents_hooks

    return [documents_hooks.take_back_at_exit]


def _board_findings():  # issue 15
    from planners.checkin import findings as checkin_findings

    return [checkin_findings.missed_check_findings]


TABLE: dict[str, Callable[[], object]] = {
    "gate": _gate,
    "event_changed": _event_changed,
    "venue_changed": _venue_changed,
    "on_decision": _on_decision,
    "attention": _attention,
    "exit_attention": _exit_attention,
    "attendee_present": _attendee_present,
    "demo_step": _demo_step,
    "attendees_changed": _attendees_changed,  # issue 11
    "exit_take_back": _exit_take_back,  # issue 16
    "board_findings": _board_findings,  # issue 15
}


def resolved() -> hooks.Table:
    """Every hook's answers, each area imported (the layering tests check the whole table)."""
    return {name: entry() for name, entry in TABLE.items()}


hooks.install(TABLE, lazy=True)
