"""Fill a freshly migrated archive database: demo users, their API keys, the issuer's client.

- `seed_users(users)`: one Django user per `DemoUser` (no usable password: sign-in is by name),
  its `UserMetadata.status`, and its DRF `Token` (the API key of `Authorization: token KEY`).
- `register_client(client)`: the issuer as an OAuth2 Application, the fields an archive admin
  fills in: confidential, authorization-code grant, one redirect URI, skip authorization (unless
  the stack asks for the consent page), validated by the model's own `full_clean` as the admin
  form would. The secret is stored as LINC stores it (its django-oauth-toolkit < 2 compares
  client secrets in plain text; hashing, the 2.x default, would add a 0.6 to 1.2 s password-hash
  check to every token request here). An `http` redirect URI is accepted only on a loopback
  host: the one place the local provider allows plain http.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.models import get_application_model
from rest_framework.authtoken.models import Token

from local_stack.archive.accounts import STATUSES, DemoUser, OAuthClient
from local_stack.archive.models import UserMetadata


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@transaction.atomic
def seed_users(users: Iterable[DemoUser]) -> None:
    for demo in users:
        if demo.status not in STATUSES:
            raise ValueError(f"{demo.username}: status must be one of {', '.join(STATUSES)}")
        user = User(
            username=demo.username,
            first_name=demo.first_name,
            last_name=demo.last_name,
            email=demo.email,
        )
        user.set_unusable_password()
        user.save()
        UserMetadata.objects.create(user=user, status=demo.status)
        Token.objects.create(user=user, key=demo.api_token)


@transaction.atomic
def register_client(client: OAuthClient) -> None:
    parts = urlsplit(client.redirect_uri)
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        raise ValueError(
            f"redirect URI {client.redirect_uri!r}: plain http only on a loopback host"
        )
    application_model = get_application_model()
    application = application_model(
        name=client.name,
        client_id=client.client_id,
        client_secret=client.client_secret,
        hash_client_secret=False,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=client.redirect_uri,
        skip_authorization=client.skip_authorization,
    )
    try:
        application.full_clean()
    except ValidationError as exc:
        # Field names and messages only: the secret is never part of them.
        raise ValueError(f"the issuer's Application is invalid: {exc.message_dict}") from None
    application.save()
