"""Cookie issuer Lambda: verifies an archive session and mints CloudFront signed cookies.

Entry point: `cookie_issuer.app.lambda_handler` (API Gateway HTTP API, payload v2). Modules:
`settings` (environment), `auth_rule` (who is approved), `jwt_verify` and `introspection` (who
is this), `session` (credentials of a request), `secret_store` and `signing` (the key and the
signature), `cookies` (cookie values and Set-Cookie attributes), `minting` (issuing them, with
the audit line), `request` (what a request carries), `browser_routes` (`/_auth/*`) and
`api_routes` (`/api/permissions/s3/`) and `session_routes` (`/_auth/refresh`, `/_auth/session`)
on `routing.IssuerRouter`; OAuth2 mode: `oauth_client` (the archive's token endpoints),
`oauth_flow` (sign-in steps), `sealed_cookie` (AES-GCM) and `session_cookies` (our cookies);
`errors` (every error status)
and `error_handlers` (every error's answer), `pages` (HTML from `templates/`) and `responses`
(what the browser or script sees), `runtime` (the per-container objects), `app` (the resolver
and the handler).
"""
