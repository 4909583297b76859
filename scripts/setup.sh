#!/usr/bin/env bash
# Everything the tests and the demo need on a fresh machine, idempotent and cached:
# npm packages, the pinned Go tools, Redis and PostgreSQL. The control plane is started per run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

stamp=node_modules/.xao-lock-hash
want=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # `npm ci`: exactly the lock file's versions, and it never rewrites the lock file, so the hash
  # above stays that of what is installed and the next run skips this. The lock file lists every
  # platform's optional binaries (all the @swc/core-* packages); npm installs this platform's only.
  # It refuses a package.json out of step with the lock file (run `npm install` to update both).
  # It replaces node_modules, so the stamp is written once it has succeeded.
  step "npm ci (from package-lock.json)"
  npm ci --no-audit --no-fund --prefer-offline >&2
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
