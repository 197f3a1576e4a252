"""The one exception type the CLI turns into a one-line message (exit status 2)."""


class UserError(Exception):
    """A problem the user can fix: bad argument, unreachable archive, foreign bucket."""
