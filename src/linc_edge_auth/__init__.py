"""The `linc-edge-auth` command-line tools: viewer links, signing keys, streamlines."""
