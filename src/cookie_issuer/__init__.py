"""Cookie issuer Lambda: verifies an archive session and mints CloudFront signed cookies.

Entry point: `cookie_issuer.app.lambda_handler` (API Gateway HTTP API, payload v2). Modules:
`settings` (environment), `auth_rule` (who is approved), `jwt_verify` and `introspection` (who
is this), `session` (credentials of a request), `secret_store` and `signing` (the key and the
signature), `cookies` (cookie values and Set-Cookie attributes), `pages` and `responses` (what the
browser or script sees), `runtime` (the per-container objects), `app` (routes).
"""
