"""Errors named after the business failure. Raised in the core, turned into a message at the edge.

Each error carries a locale key and parameters, so the edge can say it in the user's language, and an
English rendering for logs and the CLI. Messages say how to fix the problem."""
from __future__ import annotations


class ConclaveError(Exception):
    key = "error.generic"

    def __init__(self, message: str = "", *, key: str | None = None, **params):
        self.params = params
        if key:
            self.key = key
        super().__init__(message or self.key)

    def localized(self, lang: str) -> str:
        from planners.i18n import t

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


class RuleFileError(ConclaveError):
    """A rule catalogue is refused at load: file, rule id and what is wrong."""

    key = "error.rule_file"

    def __init__(self, file: str, rule: str, problem: str, line: int | None = None):
        self.file, self.rule, self.problem, self.line = file, rule, problem, line
        where = f"{file}" + (f":{line}" if line else "")
        super().__init__(f"{where}: rule {rule or '?'}: {problem}", file=where, rule=rule or "?", problem=problem)
