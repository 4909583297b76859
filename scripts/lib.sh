# Shared helpers for the setup scripts: progress lines on stderr, repo root.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
step() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
apt_update_once() {
  # apt-get needs fresh package lists once per machine before its first install or download.
  if [ ! -f /var/lib/apt/periodic/xao-updated ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
    step "apt-get update"
    apt-get update -qq >&2
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/xao-updated
  fi
}
apt_install() {
  apt_update_once
  step "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
