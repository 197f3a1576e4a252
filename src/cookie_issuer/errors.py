"""The issuer's error vocabulary: every failure a request can meet, with its HTTP status.

Contract: each `IssuerError` class defines its HTTP `status` and the `title` of its human page;
each error carries a short machine `reason` (also the metric dimension), a human `message` (what
went wrong) and an `action` (what to do). Messages never contain a token, cookie value, API key
or key material: they are safe to log and to show. Every status the issuer answers with is one
class here. Routes raise these; `error_handlers` turns them into JSON (API routes) or an HTML
page (`/_auth/*`).
"""

from __future__ import annotations


class IssuerError(Exception):
    """Base class: a request failed in a way we can explain."""

    status: int = 400
    title: str = "Bad request"
    default_reason: str = "bad_request"
    default_action: str = "Check the request and try again."

    def __init__(self, message: str, *, reason: str | None = None, action: str | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.action = action or self.default_action


class BadRequestError(IssuerError):
    status = 400
    default_reason = "bad_request"
    default_action = "Open the viewer link again; if it keeps happening, tell the LINC team."


class UnauthenticatedError(IssuerError):
    status = 401
    title = "Sign-in needed"
    default_reason = "session_invalid"
    default_action = "Sign in to the LINC archive, then open the viewer link again."


class NotApprovedError(IssuerError):
    status = 403
    title = "Not approved"
    default_reason = "not_approved"
    # The message names the account (session.authenticate); the action only says what to do.
    default_action = (
        "Ask the LINC team to approve it, then open the link again; or sign out and use "
        "another account."
    )


class PathNotFoundError(IssuerError):
    status = 404
    title = "Not found"
    default_reason = "not_found"


class MethodNotAllowedError(IssuerError):
    """A known path asked with a method it does not answer; `allowed` feeds the Allow header."""

    status = 405
    title = "Method not allowed"
    default_reason = "method_not_allowed"

    def __init__(self, message: str, *, allowed: tuple[str, ...], action: str | None = None):
        super().__init__(message, action=action or f"Use {' or '.join(allowed)}.")
        self.allowed = allowed


class PayloadTooLargeError(IssuerError):
    status = 413
    title = "Too large"
    default_reason = "payload_too_large"
    default_action = "Send less."


class DependencyUnavailableError(IssuerError):
    status = 503
    title = "Temporarily unavailable"
    default_reason = "dependency_unavailable"
    default_action = "This is usually temporary: wait a minute and try again."


class MisconfiguredError(IssuerError):
    status = 503
    title = "Temporarily unavailable"
    default_reason = "misconfigured"
    default_action = "The issuer's deployment settings are wrong; tell the LINC team."
