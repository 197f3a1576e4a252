"""Secrets Manager access through Powertools Parameters, cached per container.

Contract: `SecretStore(max_age).text(secret_id)` returns the secret string (SecretString, or
SecretBinary decoded as UTF-8) from Powertools' cache, calling Secrets Manager at most once per
`max_age` seconds per secret id. Any failure raises `DependencyUnavailableError` (reason
`secrets_unavailable`) without the secret id's value or the AWS error text in the message sent to
users. `api_calls` counts real GetSecretValue calls (a botocore event hook), for metrics and the
benchmark. boto3 and Powertools Parameters are imported on first use, so a cold start that only
answers `/_auth/login`, a preflight or a 404 does not pay for them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from cookie_issuer.errors import DependencyUnavailableError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from mypy_boto3_secretsmanager import SecretsManagerClient


@functools.cache
def _fetch_errors() -> tuple[type[Exception], ...]:
    """What a failed fetch raises (imported lazily, with boto3)."""
    from aws_lambda_powertools.utilities.parameters.exceptions import (
        GetParameterError,
        TransformParameterError,
    )
    from botocore.exceptions import BotoCoreError, ClientError

    return (GetParameterError, TransformParameterError, BotoCoreError, ClientError)


class SecretStore:
    def __init__(self, max_age: int) -> None:
        self.max_age = max_age
        self.api_calls = 0
        self._provider: SecretsProvider | None = None

    def _count_call(self, **_: Any) -> None:
        self.api_calls += 1

    def _get_provider(self) -> SecretsProvider:
        # Created on first use so a cold start that only answers /_auth/login or a 404 never
        # pays for a boto3 client.
        if self._provider is None:
            import boto3
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            client: SecretsManagerClient = boto3.client("secretsmanager")
            client.meta.events.register(
                "before-call.secrets-manager.GetSecretValue", self._count_call
            )
            self._provider = SecretsProvider(boto3_client=client)
        return self._provider

    def text(self, secret_id: str) -> str:
        try:
            value = self._get_provider().get(secret_id, max_age=self.max_age)
        except Exception as exc:
            if not isinstance(exc, _fetch_errors()):
                raise
            raise DependencyUnavailableError(
                "The issuer could not read its key from AWS Secrets Manager.",
                reason="secrets_unavailable",
            ) from exc
        if isinstance(value, bytes):
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DependencyUnavailableError(
                    "A secret the issuer needs is not UTF-8 text.", reason="secrets_unavailable"
                ) from exc
        if not isinstance(value, str) or not value:
            raise DependencyUnavailableError(
                "A secret the issuer needs is empty.", reason="secrets_unavailable"
            )
        return value
