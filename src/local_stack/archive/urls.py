"""URLs of the local archive: the paths of LINC's `dandiapi/urls.py` the issuer uses, plus sign-in.

django-oauth-toolkit's provider views sit under `oauth/` as in LINC; only its base views are
mounted (authorize, token, revoke_token, introspect: what LINC's toolkit version serves), not the
newer device, metadata or dynamic client registration views. The JWT-mode JWKS is not in LINC.
"""

from __future__ import annotations

from django.urls import include, path
from oauth2_provider import views as oauth_views

from local_stack.archive import views

oauth_patterns = (
    [
        path("authorize/", oauth_views.AuthorizationView.as_view(), name="authorize"),
        path("token/", oauth_views.TokenView.as_view(), name="token"),
        path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
        path("introspect/", oauth_views.IntrospectTokenView.as_view(), name="introspect"),
    ],
    "oauth2_provider",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.sign_in, name="login"),
    path("accounts/logout/", views.sign_out, name="logout"),
    path("api/users/me/", views.UsersMeView.as_view(), name="users-me"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("oauth/", include(oauth_patterns, namespace="oauth2_provider")),
]
