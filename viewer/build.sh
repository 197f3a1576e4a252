#!/usr/bin/env bash
# Build stock Neuroglancer into viewer/dist/ (index.html at its root).
# Idempotent and cached: `npm ci` only when node_modules is missing or
# package-lock.json changed; `npm run build` only when an input is newer than dist.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"   # works from any cwd
say() { echo "viewer: $*"; }
die() { echo "viewer: ERROR: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed (need Node 20+; neuroglancer declares >=22, 20 only warns)"
command -v npm >/dev/null || die "npm is not installed"

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
lock_stamp=node_modules/.linc-lock.sha256   # inside node_modules: goes away with it
if [[ -d node_modules && -f $lock_stamp && $(cat "$lock_stamp") == "$lock_sum" ]]; then
  say "dependencies up to date (package-lock unchanged)"
else
  say "installing dependencies: npm ci"
  start=$SECONDS
  npm ci --no-audit --no-fund || die "npm ci failed (see above)"
  echo "$lock_sum" > "$lock_stamp"
  say "npm ci done in $((SECONDS - start)) s"
fi

# dist/index.html is written by every successful build and removed on failure,
# so it doubles as the stamp (no extra file ends up in the deployed site).
inputs=(package.json package-lock.json vite.config.js index.html src icons "$lock_stamp")
if [[ -f dist/index.html ]] && [[ -z $(find "${inputs[@]}" -newer dist/index.html -print -quit) ]]; then
  say "dist/ up to date, nothing to build"
else
  say "building: npm run build"
  start=$SECONDS
  if ! npm run build; then
    rm -rf dist   # never leave a half-built site that looks current
    die "vite build failed (see above)"
  fi
  [[ -f dist/index.html ]] || die "build finished but dist/index.html is missing"
  ls dist/assets | grep -q '^chunk_worker\.bundle-.*\.js$' || die "chunk_worker bundle missing from dist: the worker plugin missed it"
  ls dist/assets | grep -q '^async_computation\.bundle-.*\.js$' || die "async_computation bundle missing from dist"
  say "build done in $((SECONDS - start)) s"
fi

say "dist: $(du -sh dist | cut -f1), $(find dist -type f | wc -l) files -> $(pwd)/dist"
