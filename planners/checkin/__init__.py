"""The front desk: a scanned code -> a verdict, recorded atomically.

`scan()` reads the code, checks signature, event, validity window, list, badge generation and eligibility,
then records the entry (or exit) in one transaction: BEGIN IMMEDIATE on SQLite, a row lock on the badge on
PostgreSQL, and a unique (event, attendee) key on `attendance` as the last line. So one badge at two desks
at the same moment gives one `ok` and one `already_checked_in`, never two `ok` and never an error. A second `in`
of a badge already inside is never green, at any desk: within DEDUP_SECONDS of its admission it is
`same_badge_again` (orange: "admitted by desk X at 09:14:03, do not admit a second person"), later
`already_checked_in`. A desk is a registered device (planners.checkin.devices): scan, look-up and undo refuse
a desk name no admin registered.

Every scan, refused ones too, is written to the append-only `scans` log (desk, time, raw code truncated,
verdict) and to the audit trail. Nothing a desk sends can raise: bad input is a refusal with a reason.

Speed: a desk has a queue, so scan() and manual() run as a handful of statements on the database driver in
one transaction (planners.store.fastsql), not through the ORM's unit of work: p95 ~1.2 ms with 10,000
attendees on SQLite (`make bench`), where the ORM took 10 ms. Undo, lockers and the reading side use the ORM.
Screen: pages/checkin.py. CLI: `conclave scan`. Modules: verdict, desk_sql, desk, corrections, presence,
exits (收回 and the supervisor's override), camera, hooks."""
from planners.checkin.verdict import (  # noqa: F401
    COLORS,
    DEDUP_SECONDS,
    DESK_ROLES,
    MAX_INPUT,
    REASONS,
    UNDO_MINUTES,
    Verdict,
    normalize,
    safe_raw,
)
from planners.checkin.desk import (  # noqa: F401
    manual,
    scan,
    _PUBLIC_KEYS,
)
from planners.checkin.exits import (  # noqa: F401
    OVERRIDE_REASON_MIN,
    exit_override,
    take_back_and_exit,
)
from planners.checkin.devices import (  # noqa: F401
    KINDS as DESK_KINDS,
    get_desk,
    list_desks,
    register_desk,
)
from planners.checkin.corrections import (  # noqa: F401
    set_locker,
    undo,
)
from planners.checkin.presence import (  # noqa: F401
    attendee_name,
    photo_of,
    arrivals_over_time,
    find_attendees,
    inside_now,
    is_inside,
    last_undoable,
    live_numbers,
    not_arrived,
    recent_scans,
    roll_call_csv,
    UndoOffer,  # issue 17: the desk's undo drawn from the verdict
    offer_of_verdict,
    offer_open,
    undo_offer,
)
from planners.checkin.camera import (  # noqa: F401
    decode_image,
)
from planners.checkin.hooks import (  # noqa: F401
    load_demo,
)
from planners.checkin.picker import (  # noqa: F401  issue 11
    desk_events,
)
from planners.core.errors import NotRecorded  # noqa: F401  the area's error
from planners.attendees.badges import scanner_pattern  # noqa: F401  (the desk's no-Enter submit)
