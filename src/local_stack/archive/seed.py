"""Fill a freshly migrated archive database: demo users, their API keys, the issuer's client.

- `seed_users(users)`: one Django user per `DemoUser` (no usable password: sign-in is by name),
  its `UserMetadata.status`, and its DRF `Token` (the API key of `Authorization: token KEY`).
- `register_client(client)`: the issuer as an OAuth2 Application, the fields an archive admin
  fills in: confidential, authorization-code grant, one redirect URI, skip authorization (unless
  the stack asks for the consent page), validated by the model's own `full_clean` as the admin
  form would. The secret is stored as LINC stores it (its django-oauth-toolkit < 2 compares
  client secrets in plain text; hashing, the 2.x default, would add a 0.6 to 1.2 s password-hash
  check to every token request here). `OAuthClient` itself refuses an `http` redirect URI on a
  host that is not loopback.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.models import get_application_model
from rest_framework.authtoken.models import Token

from local_stack.archive.accounts import STATUSES, DemoUser, OAuthClient
from local_stack.archive.models import UserMetadata


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
