"""Documents: the register, numbered copies, the custody ledger, reconciliation, destruction and loss.

Conclave never holds a document's content (DESIGN.md, principle 1): only the register entry (control number,
non-secret short title, level, period, 定密 record, knowledge scope) and the custody of each numbered copy.
The custody ledger (`custody_entries`) is append-only (database triggers refuse UPDATE and DELETE); the
state and holder of a copy is never stored: `replay()` derives it from the ledger. Every movement locks the copy
row first (BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE on PostgreSQL) and appends entry `seq`+1; the
unique (copy_id, seq) pair is the last line of defence, so two desks recovering one copy give one success and
one `CopyAlreadyRecovered`.

Rules: data/rules/documents.yaml (rules.py). Screen: pages/documents.py. CLI: `conclave documents`.
Modules: rules, register, custody, loss, destruction, reconcile, export, hooks."""
from planners.documents.rules import (  # noqa: F401
    CARRIERS,
    CODE_PREFIX,
    MAX_COPIES,
    RETENTION_KINDS,
    RULE_FIELDS,
    check_retention,
    copy_code,
    copy_label,
    doc_marking,
    marking,
    parse_code,
    refusal,
    rule_param,
    rules,
)
from planners.documents.register import (  # noqa: F401
    levels_allowed_for,
    DocumentInput,
    copies_of,
    documents_of,
    get_document,
    on_copy_decision,
    parse_scope,
    register_document,
    request_copies,
    validate_document,
)
from planners.documents.custody import (  # noqa: F401
    allowed_actions,
    may,
    ACTIONS,
    CopyState,
    STATES,
    TRANSITIONS,
    apply,
    attendees_of,
    copy_state,
    in_scope,
    issue_copy,
    ledger,
    receiver_findings,
    recover_copy,
    replay,
    send_to_secrecy_room,
    transfer_copy,
    find_copy,  # issue 14
    take_abroad,
    back_from_abroad,
)
from planners.documents.loss import (  # noqa: F401
    IncidentReport,
    declare_lost,
    incidents,
    is_overdue,
    loss_deadline_hours,
    update_incident,
)
from planners.documents.destruction import (  # noqa: F401
    carry_out_destruction,
    destruction_methods,
    destructions,
    on_destruction_decision,
    request_destruction,
)
from planners.documents.reconcile import (  # noqa: F401
    CopyRow,
    Reconciliation,
    copies_held_by,
    reconcile,
    timeline,
)
from planners.documents.hooks import (  # noqa: F401
    load_demo,
    loss_incidents,
    no_copy_outstanding,
)
from planners.documents.export import (  # noqa: F401
    destruction_pdf,
    incident_pdf,
    label_sheet_pdf,
    reconciliation_csv,
    _qr_image,
)
from planners.core.errors import (  # noqa: F401  the area's errors, as documents.IssueRefused etc.
    CopiesOutstanding,
    CopyAlreadyRecovered,
    CopyCodeUnreadable,
    CustodyRefused,
    IssueRefused,
    RecoveryRefused,
    RetentionBeyondMaximum,
)
