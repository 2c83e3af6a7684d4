"""Who a person on the list is, for a leader's approval of the list (issue 11): the identity fields a snapshot
freezes and their fingerprint, computed the same way from an ORM Attendee and from the desk's row (Q_PERSON),
so the desk can tell a person the leader approved from one added or edited since."""
from __future__ import annotations

import hashlib
import json

# the fields a leader approves, in the order a diff shows them (secret_class is not read by the desk)
IDENTITY_FIELDS = ("name", "unit", "post", "id_type", "id_last4", "nationality", "foreign_invested_staff",
                   "clearance", "pledge_signed", "event_role", "designated_by")
BOOL_FIELDS = ("foreign_invested_staff", "pledge_signed")


def identity(person) -> dict:
    """The identity fields of `person` (an Attendee or a row with those columns), normalised."""
    out = {}
    for f in IDENTITY_FIELDS:
        v = getattr(person, f, None)
        out[f] = bool(v) if f in BOOL_FIELDS else ("" if v is None else str(v).strip())
    return out


def fingerprint(person) -> str:
    """SHA-256 of the identity fields: equal exactly when the desk sees the person the leader approved."""
    body = json.dumps(identity(person), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
