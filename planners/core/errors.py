"""Errors named after the business failure. Raised in the core, turned into a message at the edge.

Each error carries a locale key and parameters, so the edge can say it in the user's language, and an
English rendering for logs and the CLI. Messages say how to fix the problem."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type hints only: core/errors.py imports nothing of Conclave at run time
    from planners.core.findings import Finding


class ConclaveError(Exception):
    key = "error.generic"

    def __init__(self, message: str = "", *, key: str | None = None, **params):
        self.params = params
        if key:
            self.key = key
        super().__init__(message or self.key)

    def localized(self, lang: str) -> str:
        from planners.core.i18n import t

        text = t(self.key, lang, **self.params)
        return text if text != self.key else str(self)


class NotFound(ConclaveError):
    key = "error.not_found"


class ValidationFailed(ConclaveError):
    """A form or row is invalid; `field` names it."""

    key = "error.validation"

    def __init__(self, message: str = "", *, field: str | None = None, **params):
        self.field = field
        super().__init__(message, field=field or "", **params)


class PermissionDenied(ConclaveError):
    key = "error.permission"


class SelfApprovalForbidden(PermissionDenied):
    key = "error.self_approval"


class InvalidTransition(ConclaveError):
    key = "error.transition"


class SchemaError(ConclaveError):
    key = "error.schema"


class StoreFailed(ConclaveError):
    """The database failed (planners.store.uow maps every driver error to this or to RaceLost)."""

    key = "error.store_failed"


class DiskFull(StoreFailed):
    """The disk (or the temporary folder) is full: nothing was written."""

    key = "error.disk_full"

    def __str__(self) -> str:
        return self.localized("en")


DISK_FULL_ERRNOS = (28, 122)  # ENOSPC, EDQUOT


class RaceLost(StoreFailed):
    """Another transaction took the same key or lock at the same moment; retrying may succeed."""

    key = "error.race_lost"


class RuleFileError(ConclaveError):
    """A rule catalogue is refused at load: file, rule id and what is wrong."""

    key = "error.rule_file"

    def __init__(self, file: str, rule: str, problem: str, line: int | None = None):
        self.file, self.rule, self.problem, self.line = file, rule, problem, line
        where = f"{file}" + (f":{line}" if line else "")
        super().__init__(f"{where}: rule {rule or '?'}: {problem}", file=where, rule=rule or "?", problem=problem)


# ---------------------------------------------------------------- exports.fonts

class NoCJKFont(ConclaveError):
    key = "exports.no_cjk_font"


# ---------------------------------------------------------------- plan

class MandatoryNeedsLeader(PermissionDenied):
    """Only a leader marks a mandatory task not applicable."""

    key = "plan.na_needs_leader"


# ---------------------------------------------------------------- checkin

class NotRecorded(ConclaveError):
    """The database did not take the scan (locked past its timeout, unreachable, failing): nothing was recorded,
    the desk scans again."""

    key = "checkin.not_recorded"


class DeskNotRegistered(ValidationFailed):
    """A scan, look-up or undo named a desk that no admin registered (issue 18, item 1): nothing was recorded."""

    key = "checkin.desk_not_registered"


# ---------------------------------------------------------------- attendees.badges

class TokenError(ConclaveError):
    """A code that cannot be read as one of ours (the reason says which way)."""

    key = "checkin.reason.invalid"


class SigningKeyRefused(ConclaveError):
    """The event's private key cannot be used to sign: nothing is printed. Subclasses say why; every message
    says how to fix it (put the right file back, fix its mode, or `conclave keys rotate EVENT`)."""

    key = "checkin.key_unreadable"

    def __str__(self) -> str:  # the CLI and logs say it in full, as the English catalogue does
        return self.localized("en")


class SigningKeyMissing(SigningKeyRefused):
    key = "checkin.key_missing"


class SigningKeyUnreadable(SigningKeyRefused):
    """A folder in the key's place, an unreadable, truncated or malformed file."""

    key = "checkin.key_unreadable"

    def __init__(self, message: str = "", *, problem: str, **params):
        self.problem = problem
        super().__init__(message, problem=problem, **params)

    def localized(self, lang: str) -> str:
        from planners.core.i18n import t

        params = {k: v for k, v in self.params.items() if k != "problem"}
        detail = t(f"checkin.key_problem.{self.problem}", lang, **params)
        return t(self.key, lang, **{**params, "problem": detail})


class SigningKeyMismatch(SigningKeyRefused):
    """The key file holds a valid key, but not the one whose public half the database checks badges with."""

    key = "checkin.key_mismatch"


class SigningKeyExposed(SigningKeyRefused):
    """The key file can be read by group or others: refused until its mode is 0600 (or the key is rotated)."""

    key = "checkin.key_exposed"





# ---------------------------------------------------------------- attendees.allowlist

class ImportRefused(ConclaveError):
    """The whole file is refused (not CSV/XLSX, empty, too large, unknown or missing columns)."""

    key = "allowlist.refused"


# ---------------------------------------------------------------- base.trail

class TrailError(ConclaveError):
    key = "trail.error"


# ---------------------------------------------------------------- store.backup

class BackupRefused(ConclaveError):
    key = "backup.refused"


# ---------------------------------------------------------------- base.auth

class SignInFailed(ConclaveError):
    """One message for unknown user, wrong password and locked account: no hint which part was wrong."""

    key = "auth.signin_failed"


class TooManyAttempts(SignInFailed):
    """Refused before any password check: this session or client address failed too often just now."""

    key = "auth.too_many_attempts"


class OneTimePasswordExpired(SignInFailed):
    """The right one-time password, past its validity: an admin gives a new one."""

    key = "auth.otp_expired"


# ---------------------------------------------------------------- base.approvals

class ApprovalRequired(ConclaveError):
    key = "approvals.required"


# ---------------------------------------------------------------- base.events

class EventNotReady(ConclaveError):
    key = "events.not_ready"

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("; ".join(f.text("en") for f in findings), n=len(findings))


class ConcurrentEdit(ConclaveError):
    key = "events.concurrent_edit"


# ---------------------------------------------------------------- core.hooks

class Throttled(Exception):
    """The sign-in guard's internal signal (base.signin_guard): wait `wait_s` seconds; auth turns it into
    TooManyAttempts for the user."""

    def __init__(self, wait_s: int):
        self.wait_s = wait_s
        super().__init__(f"wait {wait_s} s")


class HooksNotInstalled(RuntimeError):
    """A hook was asked for before `planners.wiring` was imported by the entry point."""


class UnknownHook(ValueError):
    """The wiring table names a hook that core/hooks.py does not declare, or misses a key's shape."""


# ---------------------------------------------------------------- documents

class CustodyRefused(ConclaveError):
    """A movement of a copy was refused; nothing changed. `findings` say why, each with its source."""

    key = "documents.refused"

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("; ".join(f"{f.data.get('code')}: {f.text('en')} ({f.source})" for f in findings),
                         reasons=" ".join(f.text("zh_CN") for f in findings))

    def localized(self, lang: str) -> str:
        return " ".join(f.text(lang) for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.data.get("code", "") for f in self.findings]


class IssueRefused(CustodyRefused):
    key = "documents.issue_refused"


class RecoveryRefused(CustodyRefused):
    key = "documents.recovery_refused"


class CopyAlreadyRecovered(RecoveryRefused):
    key = "documents.already_recovered"


class RetentionBeyondMaximum(ValidationFailed):
    key = "documents.retention_beyond_maximum"


class CopyCodeUnreadable(ValidationFailed):
    key = "documents.code_unreadable"


class CopiesOutstanding(ConclaveError):
    key = "documents.copies_outstanding"


# ---------------------------------------------------------------- visits.briefing

class VisitNotApproved(ConclaveError):
    key = "briefing.visit_not_approved"


# ---------------------------------------------------------------- visits.disclosure

class AboveCeiling(ConclaveError):
    key = "disclosure.above_ceiling"


class StateSecretNeedsException(ConclaveError):
    key = "disclosure.state_secret_needs_exception"


class CoreNeverDisclosed(ConclaveError):
    key = "disclosure.core_never"


class ScopeNotApproved(ConclaveError):
    key = "disclosure.scope_not_approved"


# ---------------------------------------------------------------- people register (issue 13)

class PersonBarred(ConclaveError):
    """The person is on the deny list (barred by a leader until a date): refused at import, approval and desk."""

    key = "people.barred"


# ---------------------------------------------------------------- trips  # issue 14

class TripBlocked(ConclaveError):
    """A trip cannot be approved or cannot depart: `findings` say why, each with its rule and what to do."""

    key = "trips.blocked"

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("; ".join(f"{f.rule}: {f.text('en')}" for f in findings),
                         reasons=" ".join(f.text("zh_CN") for f in findings))

    def localized(self, lang: str) -> str:
        from planners.core.i18n import t

        return t(self.key, lang, reasons=" ".join(f"{f.rule}: {f.text(lang)}" for f in self.findings))


class CarryRefused(TripBlocked):
    """A carry item cannot go (绝密, a 涉密 device) or is not what it claims (no such copy, held by someone else)."""

    key = "trips.carry_refused"
# ---------------------------------------------------------------- checkin.sessions / offline / photos (issue 15)

class SessionOutsideEvent(ValidationFailed):
    """A session starts before the event or ends after it."""

    key = "sessions.outside_event"


class SessionAboveEvent(ValidationFailed):
    """A session's level is above its event's."""

    key = "sessions.above_event"


class SessionInvalid(ValidationFailed):
    """A session's field is missing or wrong (`field`, `problem`)."""

    key = "sessions.invalid"


class OfflinePackRefused(ConclaveError):
    """An offline desk pack that cannot be used: tampered, expired, another event's, unreadable (`problem`)."""

    key = "offline.pack_refused"


class OfflineLogRefused(ConclaveError):
    """An offline desk log with a gap, a reordered or altered entry, or another pack's entries (`problem`)."""

    key = "offline.log_refused"


class PaperEntriesRefused(ValidationFailed):
    """A CSV of paper sign-in entries with a bad row (`row`, `problem`)."""

    key = "offline.paper_refused"


class PhotoRefused(ValidationFailed):
    """An upload that is not an image, or too large (`problem`)."""

    key = "photos.refused"
# ---------------------------------------------------------------- visits: route, key locations, report (issue 12)

class KeyLocationOnRoute(ValidationFailed):
    """A route stop is at a key location (要害部门部位) barred to foreign visitors, without a leader's exception."""

    key = "vplan.error_key_location"


class EscortNotStaff(ValidationFailed):
    key = "vplan.error_escort_not_staff"


class EscortForeign(ValidationFailed):
    key = "vplan.error_escort_foreign"


class ReportTooEarly(ConclaveError):
    key = "vplan.error_report_too_early"


class ReportAlreadyFiled(ConclaveError):
    key = "vplan.error_report_twice"


class MaterialAboveScope(ValidationFailed):  # issue 12: a material the approved scope does not allow (VIS-MATERIAL)
    key = "vduring.error_material_not_in_scope"


class CellInvalid(ValidationFailed):  # issue 12: a cell of a form's table; `line` is the row, `column` its label
    key = "vduring.cell_required"

    def localized(self, lang: str) -> str:
        from planners.core.i18n import t

        params = {k: (v.get(lang) or v.get("en", "")) if isinstance(v, dict) else v for k, v in self.params.items()}
        text = t(self.key, lang, **params)
        return text if text != self.key else str(self)


# issue 16: a visit's request and its disclosure scope are decided together
class DecideTogether(InvalidTransition):
    """A visit's request and its scope both wait for a leader: one decision takes both."""

    key = "visits.decide_together"


class ScopeNeedsRequest(InvalidTransition):
    """A disclosure scope is approved only with (or after) its visit's request; `status` is said in words."""

    key = "visits.scope_needs_request"

    def localized(self, lang: str) -> str:
        from planners.core.i18n import t

        return t(self.key, lang, status=t(f"visits.status_{self.params.get('status', '')}", lang))
