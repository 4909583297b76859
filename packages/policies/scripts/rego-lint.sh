#!/usr/bin/env bash
# Rego lint: `opa check --strict` and `opa fmt` (Regal is not available in this environment).
set -euo pipefail
cd "$(dirname "$0")/.."
opa="${XAO_OPA:-../../.tools/bin/opa}"
[ -x "$opa" ] || opa="$(command -v opa)"
"$opa" check --strict policies examples
unformatted="$("$opa" fmt --list policies examples)"
if [ -n "$unformatted" ]; then
  echo "Rego files not formatted (run: opa fmt -w policies examples):" >&2
  echo "$unformatted" >&2
  exit 1
fi
echo "rego lint: opa check --strict and opa fmt clean"
