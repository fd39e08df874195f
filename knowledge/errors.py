"""Errors of the knowledge layer, all from one base.

KnowledgeError
├── NotFoundError          an unknown procedure or dossier code (API: 404)
├── InvalidInputError      a question, code or file the layer refuses (API: 422)
│   ├── ImportFailed       an import that was rolled back, with its per-line problems
│   └── RecordError        a catalog record that cannot be imported (knowledge.catalog.parsing)
├── AuthenticationError    a missing or wrong API token, or a failed sign-in (API: 401)
├── PermissionDeniedError  a signed-in user whose role does not allow the action (API: 403)
├── ConflictError          a change that clashes with the current state, e.g. a claimed chat (409)
├── RateLimitedError       too many requests from one client (API: 429)
├── SourceUnavailableError an outside service (dossier status source) is down (API: 503)
└── WriteFailedError       a write the database did not confirm (API: 503, never a 2xx)

Every error carries a Vietnamese ``message`` fit to show a citizen.
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base of all knowledge-layer errors; ``message`` is Vietnamese, for the user."""

    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(KnowledgeError):
    """A code that names nothing we hold."""

    status_code = 404


class InvalidInputError(KnowledgeError):
    """Input the layer refuses: empty or over-long questions, malformed codes or files."""

    status_code = 422


class ImportFailed(InvalidInputError):
    """An import that changed nothing because some of its records are wrong.

    ``problems`` lists ``(location, reason)`` pairs: a file name or ``file:line``, and why.
    """

    def __init__(self, message: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.problems = problems


class AuthenticationError(KnowledgeError):
    """A request without a valid token."""

    status_code = 401


class PermissionDeniedError(KnowledgeError):
    """A signed-in user whose role does not allow the action."""

    status_code = 403


class ConflictError(KnowledgeError):
    """A change that clashes with the current state (a taken name, a chat already claimed)."""

    status_code = 409


class RateLimitedError(KnowledgeError):
    """Too many requests from one client in a short time; ``retry_after`` in seconds if known."""

    status_code = 429

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SourceUnavailableError(KnowledgeError):
    """An outside service the layer depends on did not answer."""

    status_code = 503


class WriteFailedError(KnowledgeError):
    """A write the database refused or did not confirm (its commit failed)."""

    status_code = 503
