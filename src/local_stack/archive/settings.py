"""Django settings of the local archive: the LINC archive's provider settings, found, not guessed.

Sources (read at these commits; "composed" is the shared configuration package LINC builds on,
kitware-resonant/django-composed-configuration, its `_rest_framework.py` unchanged since 2022-02
and so the same in every release LINC's `>=0.25.0` pin allows):
- lincbrain/linc-archive 4b28203 (2025-04-17): `setup.py` pins django~=4.2,
  django-oauth-toolkit>=1.7,<2, djangorestframework==3.14.0,
  django-composed-configuration[prod]>=0.25.0; `dandiapi/settings.py` adds DRF
  `TokenAuthentication` (API keys) to composed's classes, sends production logins to GitHub
  (`LOGIN_URL = '/accounts/github/login/'`) and does not auto-approve users; `dandiapi/urls.py`
  mounts the provider under `oauth/` (`authorize/`, `token/`, `revoke_token/`, `introspect/`)
  and `api/users/me/`; `dandiapi/api/models/user.py` has the four statuses;
  `dandiapi/api/views/users.py` answers `/users/me/` with `admin` (is_superuser), `username`,
  `email`, `name` (first + last name), `status`.
- dandi/dandi-archive 3e3c3c9 (2026-08-20): Django 5.2, django-oauth-toolkit 3.2, DRF 3.17
  (`pyproject.toml`), hence the versions installed here (LINC's 4.2 / <2 are out of support);
  the same statuses and `/users/me/` fields minus `email`.
- composed `_rest_framework.py`, `RestFrameworkMixin.OAUTH2_PROVIDER`: PKCE_REQUIRED True,
  ALLOWED_REDIRECT_URI_SCHEMES ["https"], REQUEST_APPROVAL_PROMPT "auto",
  ERROR_RESPONSE_WITH_SCOPES True, AUTHORIZATION_CODE_EXPIRE_SECONDS 300,
  ACCESS_TOKEN_EXPIRE_SECONDS 24 h, REFRESH_TOKEN_EXPIRE_SECONDS 30 days; DRF authentication
  OAuth2Authentication + SessionAuthentication, default permission IsAuthenticatedOrReadOnly;
  SESSION_COOKIE_SAMESITE "Lax". Under DEBUG (composed's development configuration) it switches
  to redirect schemes ["http", "https"] and approval prompt "force".
- Not set by LINC nor composed, so django-oauth-toolkit's defaults apply (`oauth2_provider/
  settings.py`): ROTATE_REFRESH_TOKEN True (a refresh answers a new refresh token and revokes
  the old refresh and access tokens), REFRESH_TOKEN_GRACE_PERIOD_SECONDS 0,
  REFRESH_TOKEN_REUSE_PROTECTION False, SCOPES {"read", "write"}, DEFAULT_SCOPES ["__all__"].
  Grant types are per Application (the issuer's: authorization code, which also allows the
  refresh-token grant).

Deliberate differences, each because of the local stack, none in the issuer:
- ALLOWED_REDIRECT_URI_SCHEMES also allows "http" (composed's own development value): the
  viewer's callback is `http://localhost:PORT/_auth/callback` because the emulator has no TLS.
  `accounts.OAuthClient` refuses an http redirect URI whose host is not loopback.
- Sign-in is a username form at LOGIN_URL `/accounts/login/` (production: GitHub); users have
  no password. A name never seen before becomes a new INCOMPLETE user, as a first GitHub login
  does (LINC then asks its questionnaire; this archive does not).
- SQLite under the stack's state folder (WAL), DEBUG off, loopback hosts only, JSON renderer
  only, no Django admin; the issuer's client secret is stored unhashed, as LINC's toolkit
  version stores them (`seed.py`).
- Cookie names are prefixed `archive_`: cookies on `localhost` reach every port, so Django's
  default `sessionid` / `csrftoken` would collide with any other local Django app.
- JWT mode: `session_jwt.py` (session JWT cookie, JWKS, `next` allowlist to the viewer).

Environment (set by `local_stack.archive.process`): LOCAL_ARCHIVE_DATABASE (the SQLite file),
LOCAL_ARCHIVE_ORIGIN, LOCAL_ARCHIVE_JWT_KEY_FILE, LOCAL_ARCHIVE_JWT_KID. VIEWER_PUBLIC_ORIGIN,
VIEWER_LOCAL_ORIGIN and SAMPLE_LINK are set at start by `server.py` from the stack's spec.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

# Fresh per process: nothing signed by one run must be accepted by the next.
SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
ROOT_URLCONF = "local_stack.archive.urls"

INSTALLED_APPS = [
    # First, so that its templates override oauth2_provider's (as LINC lists its apps first).
    "local_stack.archive",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("LOCAL_ARCHIVE_DATABASE", ""),
        "OPTIONS": {
            # A throwaway database: WAL without a sync per commit halves the token endpoint's
            # time here (120 -> 57 ms measured), and lets `set_status` write while we serve.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_NAME = "archive_sessionid"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "archive_csrftoken"

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

OAUTH2_PROVIDER: dict[str, Any] = {
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "REQUEST_APPROVAL_PROMPT": "auto",
    "ERROR_RESPONSE_WITH_SCOPES": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 5 * 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 24 * 60 * 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 60 * 60,
}

# Errors of ours (500) go to stderr, with the path only: never a header, body or query string.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}

ARCHIVE_ORIGIN = os.environ.get("LOCAL_ARCHIVE_ORIGIN", "http://localhost")
VIEWER_PUBLIC_ORIGIN = ""
VIEWER_LOCAL_ORIGIN = ""
SAMPLE_LINK = ""
SESSION_JWT_KEY_FILE = os.environ.get("LOCAL_ARCHIVE_JWT_KEY_FILE", "")
SESSION_JWT_KID = os.environ.get("LOCAL_ARCHIVE_JWT_KID", "")
