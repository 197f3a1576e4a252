"""The archive's user status, as LINC/DANDI keep it: one `UserMetadata` row per Django user.

Mirrors `dandiapi/api/models/user.py` (lincbrain/linc-archive, dandi/dandi-archive): `status` is
one of INCOMPLETE (signed in, questionnaire not answered; the default), PENDING (waiting for an
admin), APPROVED, REJECTED. Only the field the issuer relies on is kept (no questionnaire form,
rejection reason or WebKNOSSOS credential).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models


class UserMetadata(models.Model):
    class Status(models.TextChoices):
        INCOMPLETE = "INCOMPLETE"
        PENDING = "PENDING"
        APPROVED = "APPROVED"
        REJECTED = "REJECTED"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="metadata")
    status = models.CharField(choices=Status.choices, default=Status.INCOMPLETE, max_length=10)

    def __str__(self) -> str:
        return f"{self.user.username}: {self.status}"


def user_status(user: User) -> str:
    """The user's status; INCOMPLETE without a metadata row (as `_get_user_status` in DANDI)."""
    try:
        return str(user.metadata.status)
    except UserMetadata.DoesNotExist:
        return str(UserMetadata.Status.INCOMPLETE)
