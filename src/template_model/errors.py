"""The errors of the template model: one base class, so a caller catches one thing.

Contract: `TemplateError` says what in the template (or in the values given for it) cannot be
loaded or resolved, naming the part; `ParameterError` is the parameter kind of it and lists
every problem found at once, so one run shows all the values an operator must fix.
"""

from __future__ import annotations


class TemplateError(ValueError):
    """The template, or what was asked of it, cannot be resolved (the message names the part)."""


class ParameterError(TemplateError):
    """Parameter values the template would refuse: unknown names, missing or invalid values."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))
