#!/usr/bin/env bash
# Rego lint: `opa check --strict` and `opa fmt --fail` (Regal is not available in this environment).
set -euo pipefail
cd "$(dirname "$0")/.."
opa="${XAO_OPA:-../../.tools/bin/opa}"
[ -x "$opa" ] || opa="$(command -v opa)"
"$opa" check --strict policies examples
if ! "$opa" fmt --list --fail policies examples; then
  echo "Rego files above are not formatted: run \`opa fmt -w policies examples\`" >&2
  exit 1
fi
echo "rego lint: opa check --strict and opa fmt clean"
