#!/usr/bin/env bash
# Runs a command on the image's Node.js (scripts/image-node.sh): every root npm script that runs
# our code goes through here, so tests, benchmarks and the demo run on the Node.js the image
# ships, whatever Node.js the machine has. npm_config_nodedir lets a native module that must be
# built from source (better-sqlite3, only where none of its Node-API binaries fits) use its
# headers without downloading them. Turborepo's telemetry is off (TURBO_TELEMETRY_DISABLED), as is
# that of any other tool honouring DO_NOT_TRACK; the Dockerfile's build stage sets the same.
set -euo pipefail
node_dir=$(bash "$(dirname "$0")/image-node.sh")
export PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
exec "$@"
