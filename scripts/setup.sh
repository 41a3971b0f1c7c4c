#!/usr/bin/env bash
# Installs what tsswarm needs on a fresh Debian machine (as root) and starts dockerd if it
# is not running. Safe to run again: every step checks first. Used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v nft >/dev/null 2>&1 || need_pkgs+=(nftables)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
command -v conntrack >/dev/null 2>&1 || need_pkgs+=(conntrack)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)   # test certificates (API TLS tests)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || need_pkgs+=(busybox-static)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "need root to install: ${need_pkgs[*]}"
  say "installing Debian packages: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq "${need_pkgs[@]}" >/dev/null || fail "apt-get install ${need_pkgs[*]} failed"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
fi

if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: /var/log/tsswarm-dockerd.log)"
  (setsid dockerd >/var/log/tsswarm-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/tsswarm-dockerd.log >&2; fail "dockerd did not start"; }
fi

say "building local test images"
bash scripts/build-images.sh >/dev/null || fail "building test images failed (scripts/build-images.sh)"
say "setup done"
