#!/usr/bin/env bash
# Builds the Go tools pinned in tools/go.mod (opa, helm, kubeconform, etcd, kube-apiserver, kubectl)
# and tools/regal/go.mod (Regal, a module of its own because it pins an older OPA library than the
# opa CLI above) into a per-machine cache keyed by those go.mod + go.sum files (a tool is rebuilt
# when its -ldflags below change), unpacks promtool from Debian's prometheus package into the same
# cache (see the end), and links them into .tools/bin.
# A binary the user already has (named by an env var, in KUBEBUILDER_ASSETS, or on PATH) is linked
# instead of built. Idempotent: a second run only checks the links.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

caches=${XAO_TOOLS_CACHE:-$HOME/.cache/xero-access-operator/tools}
bin=$ROOT/.tools/bin
mkdir -p "$bin"

# name | Go package | env var that names a user's binary | module folder under tools/ (default: tools)
tools=(
  "opa|github.com/open-policy-agent/opa|XAO_OPA"
  "regal|github.com/open-policy-agent/regal|XAO_REGAL|regal"
  "helm|helm.sh/helm/v3/cmd/helm|XAO_HELM"
  "kubeconform|github.com/yannh/kubeconform/cmd/kubeconform|XAO_KUBECONFORM"
  "etcd|go.etcd.io/etcd/server/v3|TEST_ASSET_ETCD"
  "kube-apiserver|k8s.io/kubernetes/cmd/kube-apiserver|TEST_ASSET_KUBE_APISERVER"
  "kubectl|k8s.io/kubernetes/cmd/kubectl|TEST_ASSET_KUBECTL"
)

pinned_k8s=$(cd "$ROOT/tools" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
pinned_k8s_major=$(echo "${pinned_k8s#v}" | cut -d. -f1)
pinned_k8s_minor=$(echo "$pinned_k8s" | cut -d. -f2)

# Kubernetes binaries built as a dependency report v0.0.0 unless told their version, as hack/lib/version.sh does.
# Helm's `template` and `lint` assume Kubernetes v1.20 unless told otherwise (its Makefile sets
# these), which the chart's kubeVersion refuses: they assume the pinned kube-apiserver's instead.
ldflags() {
  case "$1" in
    k8s.io/kubernetes/*)
      for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        printf -- "-X '%s.gitVersion=%s' -X '%s.gitMajor=%s' -X '%s.gitMinor=%s' -X '%s.gitTreeState=clean' " "$p" "$pinned_k8s" "$p" "$pinned_k8s_major" "$p" "$pinned_k8s_minor" "$p"
      done ;;
    helm.sh/helm/v3/*)
      printf -- "-X 'helm.sh/helm/v3/internal/version.version=%s'" "$(cd "$ROOT/tools" && go list -m -f '{{.Version}}' helm.sh/helm/v3)"
      for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
        printf -- " -X '%s.k8sVersionMajor=%s' -X '%s.k8sVersionMinor=%s'" "$p" "$pinned_k8s_major" "$p" "$pinned_k8s_minor"
      done ;;
    github.com/open-policy-agent/regal)
      printf -- "-X 'github.com/open-policy-agent/regal/pkg/version.Version=%s'" "$(cd "$ROOT/tools/regal" && go list -m -f '{{.Version}}' github.com/open-policy-agent/regal)" ;;
    github.com/yannh/kubeconform/*)
      printf -- "-X 'main.version=%s'" "$(cd "$ROOT/tools" && go list -m -f '{{.Version}}' github.com/yannh/kubeconform)" ;;
  esac
}

# The -ldflags a cached binary was built with (Go records them): the cache is keyed by go.mod and
# go.sum only, so a change to ldflags above must rebuild the tool it touches.
built_with_ldflags() {
  local recorded
  recorded=$(go version -m "$1" | sed -n 's/^[[:space:]]*build[[:space:]]*-ldflags=//p')
  recorded=${recorded#\"}
  echo "${recorded%\"}"
}

users_binary() { # $1 name, $2 env var
  local named=${!2:-}
  if [ -n "$named" ]; then echo "$named"; return; fi
  if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/$1" ]; then echo "$KUBEBUILDER_ASSETS/$1"; return; fi
  local found
  found=$(PATH=$(echo "$PATH" | tr ':' '\n' | grep -vxF "$bin" | paste -sd:) command -v "$1" 2>/dev/null || true)
  [ -n "$found" ] && echo "$found"
}

# A kubectl more than one minor version away from the pinned kube-apiserver is outside the
# supported skew: build the pinned one instead of using it.
usable() { # $1 name, $2 path
  [ "$1" != kubectl ] && return 0
  local minor
  minor=$("$2" version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -1)
  [ -n "$minor" ] && [ $((minor - pinned_k8s_minor)) -le 1 ] && [ $((pinned_k8s_minor - minor)) -le 1 ]
}

for entry in "${tools[@]}"; do
  IFS='|' read -r name pkg env module <<<"$entry"
  module_dir=$ROOT/tools${module:+/$module}
  cache=$caches/$(cat "$module_dir/go.mod" "$module_dir/go.sum" | sha256sum | cut -c1-16)
  mkdir -p "$cache"
  if [ "${XAO_TOOLS_PREFER_PINNED:-}" != "1" ] && existing=$(users_binary "$name" "$env") && [ -n "$existing" ] && usable "$name" "$existing"; then
    ln -sfn "$existing" "$bin/$name"
    note "$name: using $existing"
    continue
  fi
  flags=$(ldflags "$pkg")
  if [ ! -x "$cache/$name" ] || [ "$(built_with_ldflags "$cache/$name")" != "$flags" ]; then
    step "building $name from ${module_dir#$ROOT/}/go.mod (once per pin and build flags; kube-apiserver takes several minutes)"
    start=$(date +%s)
    (cd "$module_dir" && GOFLAGS=-buildvcs=false go build -ldflags "$flags" -o "$cache/$name.partial" "$pkg")
    mv "$cache/$name.partial" "$cache/$name"
    note "$name built in $(( $(date +%s) - start ))s"
  fi
  ln -sfn "$cache/$name" "$bin/$name"
done

# promtool (the chart's alert rules are unit-tested with it) comes from Debian's prometheus package:
# building it from the Go module takes too long. Only usr/bin/promtool is unpacked from the .deb, the
# package is not installed. Pinned to the upstream version Debian 12 ships; the Debian revision
# (e.g. a security fix) is whatever apt offers, and is recorded beside the binary.
promtool_version=2.42.0
promtool_cache=$caches/promtool-$promtool_version

fetch_promtool() {
  step "fetching promtool $promtool_version from Debian's prometheus package (once per version)"
  local start deb_version work=$promtool_cache/download
  start=$(date +%s)
  apt_update_once
  deb_version=$(apt-cache policy prometheus | sed -n 's/^ *Candidate: //p')
  case "$deb_version" in
    "$promtool_version"[+-]*) ;;
    *) die "promtool: apt offers prometheus ${deb_version:-(none)}, not $promtool_version as pinned in scripts/tools.sh; set XAO_PROMTOOL to a promtool $promtool_version, or change the pin" ;;
  esac
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && apt-get download -q "prometheus=$deb_version" >download.log 2>&1) ||
    die "promtool: apt-get download prometheus=$deb_version failed (are Debian's mirrors reachable?): $(grep "^E:" "$work/download.log" || tail -3 "$work/download.log")"
  dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -C "$work" ./usr/bin/promtool ||
    die "promtool: no usr/bin/promtool in $(ls "$work"/prometheus_*.deb)"
  "$work/usr/bin/promtool" --version >/dev/null || die "promtool from prometheus $deb_version does not run"
  mv "$work/usr/bin/promtool" "$promtool_cache/promtool"
  echo "$deb_version" >"$promtool_cache/debian-version"
  rm -rf "$work"
  note "promtool fetched in $(( $(date +%s) - start ))s"
}

if [ "${XAO_TOOLS_PREFER_PINNED:-}" != "1" ] && existing=$(users_binary promtool XAO_PROMTOOL) && [ -n "$existing" ]; then
  ln -sfn "$existing" "$bin/promtool"
  note "promtool: using $existing"
else
  # Not `… || fetch_promtool`: that would turn off set -e inside it.
  if ! "$promtool_cache/promtool" --version >/dev/null 2>&1; then fetch_promtool; fi
  ln -sfn "$promtool_cache/promtool" "$bin/promtool"
  note "promtool: $promtool_version (Debian prometheus $(cat "$promtool_cache/debian-version"))"
fi

step "tools ready in .tools/bin ($(ls "$bin" | tr '\n' ' '))"
