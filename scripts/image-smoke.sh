#!/usr/bin/env bash
# The Dockerfile's build stage (scripts/image-build-stage.sh), run on a clean clone of HEAD less
# what .dockerignore leaves out, without a container engine; then both apps are started from the
# pruned tree the image would hold, as the chart starts them, and must answer their health probes.
# Proves every module the apps load at run time is a production dependency of a run-time
# workspace, and that they run on the image's Node.js (scripts/image-node.sh), not only on the
# machine's. First checks the Dockerfile against the repository's pins (opa, telemetry off).
# Needs the local services and tools (npm run setup). Takes a few minutes (a full npm install).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# opa is pinned twice: by tools/go.mod (tests, the policies' build everywhere else) and by the
# Dockerfile's opa stage (the image's build): they may not drift apart.
opa_mod=$(cd "$ROOT/tools" && go list -m -f '{{.Version}}' github.com/open-policy-agent/opa)
opa_image=$(sed -n 's/^FROM[^#]* openpolicyagent\/opa:\([^ @-]*\).*/\1/p' "$ROOT/Dockerfile")
[ -n "$opa_mod" ] && [ "v${opa_image#v}" = "$opa_mod" ] ||
  die "the Dockerfile's opa stage is openpolicyagent/opa:${opa_image:-(none)}, tools/go.mod pins github.com/open-policy-agent/opa ${opa_mod:-(nothing)}: make them agree"
note "opa $opa_mod in tools/go.mod and the Dockerfile"
# The build stage's ENV: no telemetry (the Dockerfile's, as scripts/with-image-node.sh sets it).
build_stage=$(awk '/^FROM .* AS build$/ { on = 1; next } /^FROM / { on = 0 } on && !/^ *#/' "$ROOT/Dockerfile")
for setting in TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1; do
  grep -Eq "(^|[[:space:]])$setting([[:space:]]|\\\\|\$)" <<<"$build_stage" ||
    die "the Dockerfile's build stage does not set ENV $setting"
  export "$setting"
done

node_dir=$(bash "$ROOT/scripts/image-node.sh")
export PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir"
note "Node.js $(node -v) (the image's), npm $(npm -v)"

work=${XAO_IMAGE_SMOKE_DIR:-$ROOT/.local/image-smoke}
rm -rf "$work"
mkdir -p "$work"
step "cloning HEAD into $work/app"
git clone -q "$ROOT" "$work/app"
cd "$work/app"

# What `docker build` sends: the clone less what .dockerignore leaves out (scripts/docker-context.js
# applies Docker's rules), so the build stage proves it needs none of it.
step "build context: leaving out what .dockerignore excludes"
left_out=$(git ls-files | node scripts/docker-context.js)
[ -z "$left_out" ] || xargs -d '\n' rm -f -- <<<"$left_out"
note "$(grep -c . <<<"$left_out" || true) tracked files left out (tests, results)"
# Secrets and local state must stay out at any depth: the run-time stage copies whole workspaces.
must_leave_out=(
  .env apps/admin-api/.env apps/reconciler/.env.production .local/demo/kubeconfig
  apps/reconciler/.local/cluster/kubeconfig packages/model/xero-access.sqlite
  apps/admin-api/admin.sqlite3 apps/admin-api/data/admin.db apps/admin-api/admin.db-wal
  packages/policies/coverage/index.html apps/reconciler/src/reconcile/run-sync.test.ts
  apps/admin-api/src/test/harness.ts apps/reconciler/node_modules/x/index.js
)
kept=$(printf '%s\n' "${must_leave_out[@]}" | node scripts/docker-context.js | sort |
  comm -13 - <(printf '%s\n' "${must_leave_out[@]}" | sort))
[ -z "$kept" ] || die ".dockerignore lets these into the build context (and the image): $(tr '\n' ' ' <<<"$kept")"

export XAO_OPA=$ROOT/.tools/bin/opa
step "build stage (scripts/image-build-stage.sh): npm ci, build, prune to the run-time workspaces"
bash scripts/image-build-stage.sh
for dev in typescript vitest turbo vega; do
  [ ! -e "node_modules/$dev" ] || die "the build stage left $dev (not a run-time dependency) in node_modules"
done
note "node_modules: $(du -sh node_modules | cut -f1)"

wait_for() { # $1 url, $2 log file
  for _ in $(seq 1 120); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  tail -20 "$2" >&2
  die "no answer from $1 within 60 s"
}

# The run-time stage's NODE_OPTIONS (the heap cap), checked to work on the image's Node.js.
node_options=$(sed -n 's/^ *NODE_OPTIONS=\([^ \\]*\).*/\1/p' Dockerfile)
[ -n "$node_options" ] || die "no NODE_OPTIONS in the Dockerfile's run-time stage"
export NODE_OPTIONS="$node_options"
node -e '
  const limit = require("node:v8").getHeapStatistics().heap_size_limit;
  const available = Math.min(process.constrainedMemory() || Infinity, require("node:os").totalmem());
  const share = limit / available;
  console.log(`    NODE_OPTIONS=${process.env.NODE_OPTIONS}: heap limit ${Math.round(limit / 2 ** 20)} MiB, ${(share * 100).toFixed(0)} % of ${Math.round(available / 2 ** 20)} MiB`);
  if (share < 0.45 || share > 0.55) process.exit(1);
' || die "NODE_OPTIONS=$node_options does not cap the heap at about half the available memory"

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

step "the chart's migration Job command from the pruned tree (xao-model migrate)"
XAO_DATABASE_URL="sqlite://$work/admin.db" node packages/model/dist/cli/main.js migrate \
  >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; die "xao-model migrate failed"; }
grep -q '^applied: ' "$work/migrate.log" || die "xao-model migrate applied nothing: $(cat "$work/migrate.log")"
note "$(cut -c1-100 "$work/migrate.log")…"

step "admin API from the pruned tree (SQLite), not migrating, as the chart starts it"
PORT=18080 HOST=127.0.0.1 METRICS_PORT=19091 METRICS_HOST=127.0.0.1 DATABASE_URL="sqlite://$work/admin.db" \
  DATABASE_MIGRATE=false LOG_LEVEL=warn \
  node apps/admin-api/dist/cli.js serve >"$work/admin-api.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:18080/health/ready "$work/admin-api.log"
note "admin API ready"

step "reconciler from the pruned tree, against a local control plane"
# The same wait inside the control plane's child shell.
export -f wait_for die
node "$ROOT/packages/local-cluster/dist/cli.js" run -- bash -c "
  METRICS_PORT=19090 METRICS_HOST=127.0.0.1 DATABASE_URL='sqlite://$work/reconciler.db' \
    POLICY_BUNDLE_PATH='$work/app/packages/policies/dist/policy.wasm' LOG_LEVEL=warn \
    node apps/reconciler/dist/main.js >'$work/reconciler.log' 2>&1 &
  trap 'kill \$!' EXIT
  wait_for http://127.0.0.1:19090/readyz '$work/reconciler.log'
" || die "the reconciler did not become ready (log: $work/reconciler.log)"
note "reconciler ready"
step "image smoke passed: both apps run from the pruned tree"
