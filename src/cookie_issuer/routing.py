"""The issuer's Powertools `Router`, which also records the methods each path answers.

Contract: `IssuerRouter` is a Powertools `Router` (register routes with `@router.get(PATH)`,
`@router.route(PATH, method=[...])`, then `resolver.include_router(router)`); `methods` maps
each path registered on it to its methods in registration order. `allowed_methods(*routers)`
merges them into the table the error handlers use to tell 405 (known path, with the `Allow`
header) from 404, so a new route is known to both the resolver and the errors by one decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.types import AnyCallableT


class IssuerRouter(Router):
    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped
        self.methods: dict[str, tuple[str, ...]] = {}

    def route(
        self, rule: str, method: Any, *args: Any, **kwargs: Any
    ) -> Callable[[AnyCallableT], AnyCallableT]:
        names = (method,) if isinstance(method, str) else tuple(method)
        self.methods[rule] = self.methods.get(rule, ()) + tuple(name.upper() for name in names)
        return super().route(rule, method, *args, **kwargs)


def allowed_methods(*routers: IssuerRouter) -> Mapping[str, tuple[str, ...]]:
    merged: dict[str, tuple[str, ...]] = {}
    for router in routers:
        for path, methods in router.methods.items():
            merged[path] = merged.get(path, ()) + methods
    return merged
