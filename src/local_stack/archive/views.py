"""Views of the local archive besides django-oauth-toolkit's own (`/oauth/...`).

- `sign_in` (`/accounts/login/`, the LOGIN_URL the authorize view sends anonymous users to): a
  user-name form standing in for GitHub. GET shows it, unless the browser already has an archive
  session: then no form, straight on to `next`. POST signs in (CSRF-checked) and goes to `next`.
  Either way the JWT-mode session cookie is (re)issued. `next` is followed when it is on this
  host (Django's check, as the real archive) or the viewer's `/_auth/callback` (JWT mode);
  anything else goes to `/`.
- `sign_out` (`/accounts/logout/`, GET or POST as allauth's ACCOUNT_LOGOUT_ON_GET in LINC):
  ends the Django session, expires the session JWT cookie, and says so.
- `UsersMeView` (`/api/users/me/`): the signed-in user in LINC's shape (`admin`, `username`,
  `email`, `name`, `status`) for a Bearer OAuth access token, an API key (`token KEY`) or the
  archive session; 401 otherwise.
- `jwks` (`/.well-known/jwks.json`) and `home` (`/`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from local_stack.archive.models import UserMetadata, user_status
from local_stack.archive.session_jwt import SESSION_COOKIE, SessionJwt, viewer_callback_target

USERNAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_BACKEND: Final = "django.contrib.auth.backends.ModelBackend"


@cache
def session_jwt() -> SessionJwt:
    pem = Path(settings.SESSION_JWT_KEY_FILE).read_text(encoding="ascii")
    return SessionJwt(pem, settings.SESSION_JWT_KID, settings.ARCHIVE_ORIGIN)


def user_json(user: User) -> dict[str, Any]:
    """`/users/me/` as LINC's `user_to_dict` builds it (DANDI's lacks `email`)."""
    return {
        "admin": user.is_superuser,
        "username": user.username,
        "email": user.email,
        "name": f"{user.first_name} {user.last_name}".strip(),
        "status": user_status(user),
    }


def _next_target(request: HttpRequest, candidate: str) -> str:
    viewer = viewer_callback_target(
        candidate, settings.VIEWER_PUBLIC_ORIGIN, settings.VIEWER_LOCAL_ORIGIN
    )
    if viewer is not None:
        return viewer
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}):
        return candidate
    return "/"


def _signed_in(request: HttpRequest, user: User, candidate: str) -> HttpResponse:
    response = HttpResponseRedirect(_next_target(request, candidate))
    info = user_json(user)
    token = session_jwt().mint(user.username, info["name"] or user.username, info["status"])
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax")
    return response


def _form(request: HttpRequest, next_url: str, username: str = "", error: str = "") -> HttpResponse:
    users = [
        {"username": u.username, "status": user_status(u)}
        for u in User.objects.select_related("metadata").order_by("id")
    ]
    context = {
        "next": next_url,
        "username": username,
        "error": error,
        "users": users,
        "login_url": settings.LOGIN_URL,
    }
    return render(request, "archive/login.html", context, status=400 if error else 200)


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    next_url = source.get("next", "")
    if request.method != "POST":
        if request.user.is_authenticated:
            assert isinstance(request.user, User)
            return _signed_in(request, request.user, next_url)
        return _form(request, next_url)
    username = source.get("username", "").strip()
    if not USERNAME.fullmatch(username):
        error = "Enter a user name: letters, digits, - or _, at most 64 characters."
        return _form(request, next_url, username[:64], error)
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
        UserMetadata.objects.create(user=user)
    login(request, user, backend=_BACKEND)
    return _signed_in(request, user, next_url)


@require_http_methods(["GET", "HEAD", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    response = render(request, "archive/signed_out.html", {"sample_link": settings.SAMPLE_LINK})
    response.delete_cookie(SESSION_COOKIE, samesite="Lax")
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "status": user_status(user) if isinstance(user, User) else "",
        "sample_link": settings.SAMPLE_LINK,
        "login_url": settings.LOGIN_URL,
        "logout_url": "/accounts/logout/",
    }
    return render(request, "archive/home.html", context)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(session_jwt().jwks())


class UsersMeView(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        return Response(user_json(request.user))
