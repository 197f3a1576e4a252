"""AUTH_RULE: which verified identities may have cookies. A tiny, strictly parsed syntax.

Grammar (whole value, no surrounding or inner spaces except around `&`):

    rule    := "any" | clause ( " & " clause )*      -- every clause must hold
    clause  := NAME "=" VALUE                         -- equality
             | NAME "~" VALUE ( "," VALUE )*          -- membership
    NAME    := [A-Za-z_][A-Za-z0-9_:.-]{0,63}         -- a top-level claim / JSON field
    VALUE   := [A-Za-z0-9_.:@/+-]{1,128}

Semantics, on the identity mapping (JWT claims, or the archive's `/users/me/` JSON):
- `NAME=true` / `NAME=false` hold when the field is that JSON boolean (never the string);
  any other `NAME=VALUE` holds when the field is exactly that string (case-sensitive).
- `NAME~A,B` holds when the field is a list containing one of the strings A, B, or is a string
  equal to one of them.
- `any` admits every authenticated identity; it must be written explicitly.
A missing field never holds. Examples: `status=APPROVED` (LINC/DANDI `/users/me/`),
`approved=true`, `groups~linc,admins`, `status=APPROVED & admin=false`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_:.-]{0,63}")
_VALUE: Final = re.compile(r"[A-Za-z0-9_.:@/+-]{1,128}")
MAX_RULE_LENGTH: Final = 1024


class RuleSyntaxError(ValueError):
    """AUTH_RULE does not follow the grammar; the message says where."""


@dataclass(frozen=True, slots=True)
class Clause:
    name: str
    operator: str  # "=" or "~"
    values: tuple[str, ...]

    def holds(self, identity: Mapping[str, Any]) -> bool:
        if self.name not in identity:
            return False
        field = identity[self.name]
        if self.operator == "=":
            wanted = self.values[0]
            if wanted in ("true", "false"):
                return isinstance(field, bool) and field is (wanted == "true")
            return isinstance(field, str) and field == wanted
        if isinstance(field, str):
            return field in self.values
        if isinstance(field, list):
            return any(isinstance(item, str) and item in self.values for item in field)
        return False

    def __str__(self) -> str:
        return f"{self.name}{self.operator}{','.join(self.values)}"


@dataclass(frozen=True, slots=True)
class AuthRule:
    """A parsed rule; `clauses` empty means `any`."""

    clauses: tuple[Clause, ...]

    @property
    def admits_everyone(self) -> bool:
        return not self.clauses

    def allows(self, identity: Mapping[str, Any]) -> bool:
        return all(clause.holds(identity) for clause in self.clauses)

    def __str__(self) -> str:
        return "any" if not self.clauses else " & ".join(str(c) for c in self.clauses)


def _parse_clause(text: str) -> Clause:
    for operator in ("=", "~"):
        name, sep, rest = text.partition(operator)
        if sep and not any(op in name for op in "=~"):
            break
    else:
        raise RuleSyntaxError(f"clause {text!r} needs NAME=VALUE or NAME~V1,V2")
    if not _NAME.fullmatch(name):
        raise RuleSyntaxError(f"clause {text!r}: {name!r} is not a claim name")
    values = tuple(rest.split(",")) if operator == "~" else (rest,)
    for value in values:
        if not _VALUE.fullmatch(value):
            raise RuleSyntaxError(f"clause {text!r}: {value!r} is not an allowed value")
    return Clause(name=name, operator=operator, values=values)


def parse_rule(text: str) -> AuthRule:
    """Parse AUTH_RULE strictly; raises RuleSyntaxError with the offending part."""
    if not text:
        raise RuleSyntaxError("is empty; write `any` to admit every signed-in user")
    if len(text) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(f"is longer than {MAX_RULE_LENGTH} characters")
    if text == "any":
        return AuthRule(clauses=())
    parts = text.split(" & ")
    clauses = []
    for part in parts:
        if not part or part != part.strip() or " " in part:
            raise RuleSyntaxError(f"clause {part!r} has stray spaces (join clauses with ' & ')")
        clauses.append(_parse_clause(part))
    return AuthRule(clauses=tuple(clauses))
