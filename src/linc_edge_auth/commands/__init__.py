"""One module per `linc-edge-auth` subcommand; each exposes `register(subparsers)`."""
