"""Venues: the catalogue of venues and their suitability for a level.

Rules: data/rules/venues.yaml (suitability.py). Screen: pages/venues.py.
Modules: records, suitability."""
from planners.venues.records import (  # noqa: F401
    FEATURES,
    VENUE_KINDS,
    VenueInput,
    create_venue,
    list_venues,
    update_venue,
)
from planners.venues.suitability import (  # noqa: F401
    REQUIREMENTS,
    RemedyTask,
    VENUE_FIELDS,
    VENUE_TOP,
    VERDICTS,
    VERDICT_COLOR,
    VenueAssessment,
    WHEN_KEYS,
    assess,
    assess_event,
    criteria,
    get_venue,
    ready_findings,
    region,
)
