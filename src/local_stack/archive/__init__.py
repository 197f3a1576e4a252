"""The local archive: a small Django project with the LINC archive's OAuth2 provider.

LINC's archive is a DANDI Archive fork: Django, django-oauth-toolkit as its OAuth2 provider and
Django REST framework for its API. This package is the same software with the archive's provider
settings (`settings.py` cites where each comes from), reduced to what the viewer's sign-in uses:
a user-name form in place of GitHub, `/oauth/authorize/`, `/oauth/token/`,
`/oauth/revoke_token/`, `/api/users/me/` (Bearer access token, `token` API key or session),
users with LINC's statuses, and the issuer registered as a confidential OAuth2 Application. It
also serves the issuer's JWT mode (`session_jwt.py`). It runs in its own process on loopback:
`process.LocalArchive` is the local stack's handle, `python -m local_stack.archive` the
`manage.py` of the project.

Modules: `settings`, `urls`, `views`, `models` (user status) and `migrations`, `accounts` (the
demo users and the issuer's client registration, no Django), `seed` (writes them), `session_jwt`
(JWT mode, no Django), `server` (the WSGI server of the child process), `process` (start, ready,
stop, from the stack), `management/commands/set_status.py`, `templates/`.
"""
