"""Which area answers which hook: the one table (cosmicpython's EVENT_HANDLERS, Datasette's DEFAULT_PLUGINS).

The hooks themselves are declared in planners/core/hooks.py, each with its signature. This is the only module
that imports every area; the entry points (pages/parts/ui.py, planners/cli/main.py, the tests) import it,
which installs the table. The order of a list is the order the answers run in (the demo steps depend on it).
"""
from __future__ import annotations

from planners.attendees import eligibility
from planners.base import demo, home
from planners.checkin import hooks as checkin_hooks
from planners.checkin import findings as checkin_findings  # issue 15
from planners.core import hooks
from planners.documents import destruction, hooks as documents_hooks, register as documents_register
from planners.plan import board as plan_board, hooks as plan_hooks
from planners.venues import hooks as venues_hooks, suitability
from planners.visits import demo as visits_demo, disclosure, requests as visit_requests
from planners.plan import signoff  # issue 11
from planners.people import demo as people_demo, home as people_home, register as people_register  # issue 13
from planners.trips import carry as trips_carry, debrief as trips_debrief, demo as trips_demo, requests as trips_requests  # issue 14
from planners.visits import gates as visit_gates, locations as visit_locations, report as visit_report  # issue 12
from planners.visits import decision as visit_decision  # issue 16

TABLE: hooks.Table = {
    "gate": {
        "ready": [suitability.ready_findings, plan_hooks.plan_ready_findings, signoff.ready_findings,
                  visit_gates.scope_ready_findings],  # issue 12
        "closed": [documents_hooks.no_copy_outstanding,
                   visit_gates.report_closed_findings],  # issue 12
    },
    "event_changed": {
        "created": [plan_hooks.rebuild_on_change],
        "updated": [plan_hooks.rebuild_on_change, signoff.on_event_changed],
    },
    "venue_changed": [plan_hooks.on_venue_changed],
    "on_decision": {
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
    },
    "attention": [
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
    ],
    "exit_attention": [documents_hooks.copies_to_take_back],
    "attendee_present": [checkin_hooks.checked_in_when_desk_runs],
    "demo_step": [venues_hooks.load_demo, demo.load_events, plan_hooks.load_demo, visits_demo.load_demo, documents_hooks.load_demo,
                  people_demo.load_demo,  # issue 13: after the events, before the badges
                  checkin_hooks.load_demo,
                  signoff.load_demo,  # issue 11: after the badges
                  trips_demo.load_demo],  # issue 14: after the register
    "attendees_changed": [signoff.on_attendees_changed],  # issue 11
    "exit_take_back": [documents_hooks.take_back_at_exit],  # issue 16
    "board_findings": [checkin_findings.missed_check_findings],  # issue 15
}

hooks.install(TABLE)
