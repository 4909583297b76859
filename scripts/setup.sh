#!/usr/bin/env bash
# Everything the tests and the demo need on a fresh machine, idempotent and cached:
# npm packages, the pinned Go tools, Redis and PostgreSQL. The control plane is started per run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

stamp=node_modules/.xao-lock-hash
want=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # `npm install`, not `npm ci`: the registry reachable here does not serve other platforms'
  # optional binaries (e.g. @swc/core-darwin-arm64), which the lock file cannot list, and npm ci
  # refuses a lock file without them. With the lock file in sync this installs exactly its versions.
  step "npm install (from package-lock.json)"
  npm install --no-audit --no-fund --prefer-offline >&2
  echo "$want" >"$stamp"
else
  note "npm packages: up to date"
fi
# better-sqlite3 (the one native module) loads a Node-API binary it ships; should none fit this
# platform, it is built from source here rather than failing at the first SQLite test.
if ! node -e "new (require('better-sqlite3'))(':memory:').close()" 2>/dev/null; then
  step "npm rebuild better-sqlite3 (for Node.js $(node -v))"
  npm rebuild better-sqlite3 --no-audit --no-fund >&2
fi
bash scripts/tools.sh
bash scripts/services.sh
