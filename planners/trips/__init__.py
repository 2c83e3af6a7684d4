"""Outbound trips (出国（境）, issue 14): the request and its approval through the leader queue (requests), the
vetting of each traveller (vetting; travellers are people of the register, trips.travellers), the carry check tied
to documents custody (carry), the pre-departure briefing and the departure gate (briefing), the return debrief
(debrief), the exports (export) and the demo (demo). Rules: data/rules/trips.yaml; countries:
data/trips/countries.yaml. Screen: pages/trips.py; CLI: `conclave trips`."""
from planners.trips import export  # noqa: F401
from planners.trips.briefing import (  # noqa: F401
    build as briefing_sheet,
)
from planners.trips.briefing import (
    come_back,
    depart,
    gate_findings,
    record_attendance,
    record_pledge,
    traveller_state,
)
from planners.trips.carry import (  # noqa: F401
    ITEM_KINDS,
    VERDICTS,
    add_item,
    bring_back,
    items_of,
    remove_item,
    still_out,
)
from planners.trips.debrief import (  # noqa: F401
    Approach,
    DebriefInput,
)
from planners.trips.debrief import (
    record as record_debrief,
)
from planners.trips.debrief import (
    state as debrief_state,
)
from planners.trips.requests import (  # noqa: F401
    KIND,
    STATUSES,
    TRANSITIONS,
    Stop,
    TravellerInput,
    TripInput,
    all_trips,
    approvers_needed,
    close,
    create,
    debrief_due,
    decide,
    findings_for,
    get,
    history,
    next_status,
    organizers,
    pending_item,
    scope_inputs,
    submit,
    travellers_of,
    update,
    validate,
    validate_itinerary,
    visible,
)
from planners.trips.rules import countries, country_name  # noqa: F401
from planners.trips.summary import summary  # noqa: F401
from planners.trips.travellers import candidates, register  # noqa: F401
