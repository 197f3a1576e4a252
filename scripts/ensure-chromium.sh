#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing.
# Playwright's own browser download cannot work here; we drive /usr/bin/chromium.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "chromium missing: run 'sudo apt-get install -y chromium' (browser tests will skip outside CI)" >&2
  exit 0
fi
echo "installing Debian's chromium for the browser tests..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
