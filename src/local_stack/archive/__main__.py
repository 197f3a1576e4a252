"""`python -m local_stack.archive`: the local archive's `manage.py`.

    python -m local_stack.archive --database PATH set_status bob REJECTED
    python -m local_stack.archive --database PATH shell
    python -m local_stack.archive serve --listen-fd FD     (what the local stack runs)

`--database` is the SQLite file of a running stack (`archive_manage` in `stack.json` is the
whole prefix); without it, LOCAL_ARCHIVE_DATABASE. Every other argument goes to Django's
`execute_from_command_line`, so every Django management command works as in a real project.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

USAGE = "python -m local_stack.archive [--database PATH] COMMAND [ARGS...]"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "local_stack.archive.settings")
    if args[:1] == ["--database"]:
        if len(args) < 2:
            print(f"usage: {USAGE}", file=sys.stderr)
            return 2
        os.environ["LOCAL_ARCHIVE_DATABASE"] = args[1]
        args = args[2:]
    if args[:1] == ["serve"]:
        parser = argparse.ArgumentParser(prog="python -m local_stack.archive serve")
        parser.add_argument("--listen-fd", type=int, required=True, help="a listening socket")
        options = parser.parse_args(args[1:])
        from local_stack.archive.server import serve

        return serve(options.listen_fd)
    asks_help = not args or args[0] == "help" or "--help" in args or "-h" in args
    if not asks_help and not os.environ.get("LOCAL_ARCHIVE_DATABASE"):
        print(
            "local archive: which database? Pass --database PATH (see `archive_manage` in "
            ".local-stack/stack.json) or set LOCAL_ARCHIVE_DATABASE.",
            file=sys.stderr,
        )
        return 2
    database = os.environ.get("LOCAL_ARCHIVE_DATABASE", "")
    if not asks_help and not Path(database).is_file():
        print(
            f"local archive: no database at {database}: is the local stack running? (it "
            "creates the database at start and removes it on stop)",
            file=sys.stderr,
        )
        return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m local_stack.archive", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
