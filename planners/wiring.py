"""Which area answers which hook: the one table (cosmicpython's EVENT_HANDLERS, Datasette's DEFAULT_PLUGINS).

The hooks themselves are declared in planners/core/hooks.py, each with its signature. This is the only module
that imports every area; the entry points (pages/parts/ui.py, planners/cli/main.py, the tests) import it,
which installs the table. The order of a list is the order the answers run in (the demo steps depend on it).
"""
from __future__ import annotations

from planners.attendees import eligibility
from planners.base import demo, home
from planners.checkin import hooks as checkin_hooks
from planners.core import hooks
from planners.documents import destruction, hooks as documents_hooks, register as documents_register
from planners.plan import board as plan_board, hooks as plan_hooks
from planners.venues import hooks as venues_hooks, suitability
from planners.visits import demo as visits_demo, disclosure, requests as visit_requests
from planners.people import demo as people_demo, home as people_home, register as people_register  # issue 13
from planners.trips import carry as trips_carry, debrief as trips_debrief, demo as trips_demo, requests as trips_requests  # issue 14

TABLE: hooks.Table = {
    "gate": {
        "ready": [suitability.ready_findings, plan_hooks.plan_ready_findings],
        "closed": [documents_hooks.no_copy_outstanding],
    },
    "event_changed": {
        "created": [plan_hooks.rebuild_on_change],
        "updated": [plan_hooks.rebuild_on_change],
    },
    "venue_changed": [plan_hooks.on_venue_changed],
    "on_decision": {
        plan_board.NA_KIND: [plan_board.apply_na_decision],
        eligibility.EXCEPTION_KIND: [eligibility.apply_exception_decision],
        visit_requests.KIND: [visit_requests.apply_decision],
        disclosure.KIND: [disclosure.apply_decision],
        disclosure.INCIDENT_KIND: [disclosure.incident_seen],
        "document_copy": [documents_register.on_copy_decision],
        "document_destruction": [destruction.on_destruction_decision],
        people_register.KIND: [people_register.apply_decision],  # issue 13
        trips_requests.KIND: [trips_requests.apply_decision],  # issue 14
        trips_carry.KIND: [trips_carry.on_carry_decision],
        trips_debrief.INFO_KIND: [trips_debrief.info_seen],
    },
    "attention": [
        home.events_starting_soon,
        home.leader_queue,
        plan_hooks.overdue_plan_tasks,
        visit_requests.returned_to_me,
        documents_hooks.loss_incidents,
        people_home.expiring,  # issue 13
        trips_debrief.overdue_trips,  # issue 14
    ],
    "exit_attention": [documents_hooks.copies_to_take_back],
    "attendee_present": [checkin_hooks.checked_in_when_desk_runs],
    "demo_step": [venues_hooks.load_demo, demo.load_events, plan_hooks.load_demo, visits_demo.load_demo, documents_hooks.load_demo,
                  people_demo.load_demo,  # issue 13: after the events, before the badges
                  checkin_hooks.load_demo,
                  trips_demo.load_demo],  # issue 14
}

hooks.install(TABLE)
