"""The issuer's error vocabulary: every failure a request can meet, with its HTTP status.

Contract: each `IssuerError` carries `status`, a short machine `reason` (also the metric
dimension), a human `message` (what went wrong) and an `action` (what to do). Messages never
contain a token, cookie value, API key or key material: they are safe to log and to show.
Routes raise these; `app` turns them into JSON (API routes) or an HTML page (`/_auth/*`).
"""

from __future__ import annotations


class IssuerError(Exception):
    """Base class: a request failed in a way we can explain."""

    status: int = 400
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
    default_reason = "session_invalid"
    default_action = "Sign in to the LINC archive, then open the viewer link again."


class NotApprovedError(IssuerError):
    status = 403
    default_reason = "not_approved"
    default_action = (
        "Your archive account is signed in but not approved for private data. Ask the LINC "
        "team to approve it, then try again."
    )


class PayloadTooLargeError(IssuerError):
    status = 413
    default_reason = "payload_too_large"
    default_action = "Send less."


class DependencyUnavailableError(IssuerError):
    status = 503
    default_reason = "dependency_unavailable"
    default_action = "This is usually temporary: wait a minute and try again."


class MisconfiguredError(IssuerError):
    status = 503
    default_reason = "misconfigured"
    default_action = "The issuer's deployment settings are wrong; tell the LINC team."
