"""The `linc-edge-auth` command-line tools (viewer links, sign-in for scripts, signing keys,
streamlines) and the helpers for reading private data from Python:
`requests_session()` and `storage_options()` (see `linc_edge_auth.private_data`)."""

from linc_edge_auth.private_data import requests_session, storage_options

__all__ = ["requests_session", "storage_options"]
