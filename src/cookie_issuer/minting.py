"""Minting for a verified identity, with its audit record: the one place cookies are issued.

Contract: `mint_for(runtime, identity, origin)` signs a cookie set for `origin` with the
runtime's key and settings, counts it (`CookiesMinted` metric) and writes the INFO audit line
"cookies minted" with the subject, how it was proven and the expiry, never a cookie value.
"""

from __future__ import annotations

import time

from aws_lambda_powertools.metrics import MetricUnit

from cookie_issuer.cookies import MintedCookies, mint
from cookie_issuer.observability import logger, metrics
from cookie_issuer.runtime import Runtime
from cookie_issuer.session import Identity


def mint_for(runtime: Runtime, identity: Identity, origin: str) -> MintedCookies:
    settings = runtime.settings
    minted = mint(
        viewer_origin=origin,
        now=time.time(),
        ttl_seconds=settings.cookie_ttl_seconds,
        key_pair_id=settings.key_pair_id,
        hash_algorithm=settings.hash_algorithm,
        sign=runtime.signer.sign,
    )
    metrics.add_metric(name="CookiesMinted", unit=MetricUnit.Count, value=1)
    logger.info(
        "cookies minted",
        extra={"subject": identity.subject, "source": identity.source, "expires": minted.expires},
    )
    return minted
