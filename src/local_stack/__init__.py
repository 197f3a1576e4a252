"""The local stack behind `make run`: local S3, local archive, CloudFront emulator, viewer.

Development only: never imported by `edge_auth` or `cookie_issuer`, never deployed.
"""
