#!/usr/bin/env bash
# The image's build stage: install, build the reconciler and the admin API (and the packages
# they use), then keep only what they load at run time. The Dockerfile runs it;
# scripts/image-smoke.sh runs it on a clean clone and starts both apps from the result.
set -euo pipefail
cd "$(dirname "$0")/.."

# The workspaces the two apps load at run time (image-smoke.sh proves the list is enough).
RUNTIME_WORKSPACES=(
  packages/cli-exit packages/crd packages/local-cluster packages/model packages/policies
  packages/xero-client
  apps/reconciler apps/admin-api
)

npm ci --no-audit --no-fund --loglevel=error
npx turbo run build --filter=@xero-access/reconciler... --filter=@xero-access/admin-api... \
  --output-logs=errors-only
# npm prune keeps the dependencies of every workspace (test kits, benchmarks, fault tools), so
# the workspace list is narrowed to the run-time ones first.
npm pkg delete workspaces
for workspace in "${RUNTIME_WORKSPACES[@]}"; do npm pkg set "workspaces[]=$workspace"; done
npm prune --omit=dev --no-audit --no-fund --loglevel=error
