#!/usr/bin/env bash
# `npm test`: set up, build, lint, every workspace's tests inside one local control plane, then
# the image smoke. Runs on the image's Node.js (package.json starts it via with-image-node.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
note "Node.js $(node -v), npm $(npm -v)"
# scripts/with-image-node.sh (how package.json starts this) turns turbo's telemetry off.
[[ $(turbo telemetry status 2>/dev/null) == *opted-out* ]] || die "turbo telemetry is on: run npm test, or set TURBO_TELEMETRY_DISABLED=1"
step "build, typecheck, lint"
turbo run build typecheck lint --output-logs=errors-only
prettier --check . --log-level warn
step "tests of every workspace, inside one local control plane"
node packages/local-cluster/dist/cli.js run -- turbo run test --concurrency=1 --continue
bash scripts/image-smoke.sh
