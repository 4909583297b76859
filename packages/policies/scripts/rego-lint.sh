#!/usr/bin/env bash
# Rego lint: Regal (settings and exceptions in .regal/config.yaml), then `opa check --strict`
# and `opa fmt` with the pinned opa (Regal formats with the OPA library it was built with).
set -euo pipefail
cd "$(dirname "$0")/.."
tool() { # $1 name, $2 env var naming a user's binary
  local named=${!2:-}
  if [ -n "$named" ]; then echo "$named"; elif [ -x "../../.tools/bin/$1" ]; then echo "../../.tools/bin/$1"; else command -v "$1"; fi
}
regal=$(tool regal XAO_REGAL) || { echo "regal not found: run npm run tools at the repository root" >&2; exit 1; }
opa=$(tool opa XAO_OPA) || { echo "opa not found: run npm run tools at the repository root" >&2; exit 1; }
"$regal" lint --format pretty policies examples
"$opa" check --strict policies examples
if ! "$opa" fmt --list --fail policies examples; then
  echo "Rego files above are not formatted: run \`opa fmt -w policies examples\`" >&2
  exit 1
fi
echo "rego lint: regal, opa check --strict and opa fmt clean"
