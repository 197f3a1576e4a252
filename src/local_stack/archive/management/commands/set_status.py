"""`set_status USERNAME STATUS`: what an archive admin does on LINC's approval dashboard.

Creates the user's metadata row when missing. Tokens are left alone, as in the real archive: a
client that re-checks `/api/users/me/` sees the new status at once.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from local_stack.archive.accounts import STATUSES
from local_stack.archive.models import UserMetadata


class Command(BaseCommand):
    help = "Set a user's archive status (INCOMPLETE, PENDING, APPROVED, REJECTED)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("status", choices=STATUSES)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"no user {options['username']!r} in this archive") from None
        UserMetadata.objects.update_or_create(user=user, defaults={"status": options["status"]})
        self.stdout.write(f"{user.username}: {options['status']}")
