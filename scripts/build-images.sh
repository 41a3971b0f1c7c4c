#!/usr/bin/env bash
# Builds tsswarm's local test images from host binaries; no registry needed.
#   tsswarm/busybox:latest  scratch + static busybox applets in /bin
#   tsswarm/web:latest      answers every HTTP request on :80 with its hostname
#   tsswarm/web-static:latest  (only with --web-static) the same from Debian's nginx, keep-alive,
#                           no fork per request: the backend of bench/lb-nginx.ts
# Idempotent: the builder's cache makes a second run a no-op.
# Engine: $DOCKER_HOST, or --engine unix:///path.sock (e.g. an engine in a network namespace).
set -euo pipefail

usage() {
  echo "usage: $0 [--engine unix:///path.sock] [--busybox /path/to/static/busybox] [--web-static]" >&2
}

busybox_bin="${BUSYBOX:-/bin/busybox}"
web_static=0
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) export DOCKER_HOST="${2:?--engine needs a value}"; shift 2 ;;
    --engine=*) export DOCKER_HOST="${1#--engine=}"; shift ;;
    --busybox) busybox_bin="${2:?--busybox needs a value}"; shift 2 ;;
    --web-static) web_static=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
images="$root/deploy/images"
log() { echo "build-images: $*"; }

is_static() { file -L "$1" 2>/dev/null | grep -q 'statically linked' || ! ldd "$1" >/dev/null 2>&1; }

if [ ! -x "$busybox_bin" ] || ! is_static "$busybox_bin"; then
  log "no static busybox at $busybox_bin; installing Debian's busybox-static"
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq busybox-static
  busybox_bin=/bin/busybox
  is_static "$busybox_bin" || { log "$busybox_bin is not statically linked" >&2; exit 1; }
fi

log "engine: ${DOCKER_HOST:-default socket}"
if ! server_version="$(docker version --format '{{.Server.Version}}' 2>&1)"; then
  log "cannot reach the Docker engine: $server_version" >&2
  exit 1
fi
log "engine version $server_version"

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT

# The legacy builder: needs no buildx plugin and works against any 20.10+ engine. Its
# stderr (a deprecation notice on newer clients) is shown only when the build fails.
build() {
  local tag="$1" dir="$2" from="$3" id old
  old="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
  log "building $tag from $from"
  if ! id="$(DOCKER_BUILDKIT=0 docker build --quiet --label com.tsswarm.test-image=true \
    -t "$tag" "$dir" 2>"$ctx/build.err")"; then
    cat "$ctx/build.err" >&2
    log "building $tag failed" >&2
    exit 1
  fi
  log "$tag -> $id"
  # The previous build of this tag is now untagged: drop it (kept if something uses it).
  if [ -n "$old" ] && [ "$old" != "$id" ]; then
    docker image rm "$old" >/dev/null 2>&1 && log "removed previous $tag ${old:7:12}" || true
  fi
}

mkdir -p "$ctx/busybox"
cp -a "$images/busybox/." "$ctx/busybox/"
cp "$busybox_bin" "$ctx/busybox/busybox"
chmod 0755 "$ctx/busybox/busybox"
mkdir -p "$ctx/busybox/rootfs/tmp" "$ctx/busybox/rootfs/root"
chmod 1777 "$ctx/busybox/rootfs/tmp"
# Fixed mtimes keep the build cache valid between runs and checkouts.
find "$ctx/busybox" -exec touch -h -d '2000-01-01T00:00:00Z' {} +
build tsswarm/busybox:latest "$ctx/busybox" "deploy/images/busybox + $busybox_bin"

build tsswarm/web:latest "$images/web" deploy/images/web

# tsswarm/web-static: Debian's nginx and the shared libraries ldd lists, at their own paths.
if [ "$web_static" = 1 ]; then
  nginx_bin=/usr/sbin/nginx
  if [ ! -x "$nginx_bin" ]; then
    log "no $nginx_bin; installing Debian's nginx-light"
    if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
    "${apt_get[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq --no-install-recommends nginx-light
  fi
  ws="$ctx/web-static"
  mkdir -p "$ws/rootfs/usr/sbin" "$ws/rootfs/var/lib/nginx" "$ws/rootfs/var/log/nginx" "$ws/rootfs/run"
  cp "$images/web-static/Dockerfile" "$images/web-static/nginx.conf" "$ws/"
  cp "$nginx_bin" "$ws/rootfs/usr/sbin/nginx"
  # "libX.so => /path (0x…)" and the loader's "/lib64/ld-linux-x86-64.so.2 (0x…)".
  for lib in $(ldd "$nginx_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$ws/rootfs$(dirname "$lib")"
    cp -L "$lib" "$ws/rootfs$lib"
  done
  find "$ws" -exec touch -h -d '2000-01-01T00:00:00Z' {} +
  build tsswarm/web-static:latest "$ws" "deploy/images/web-static + $nginx_bin"
fi

log "done:"
docker image ls --filter label=com.tsswarm.test-image=true --filter dangling=false \
  --format 'build-images:   {{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'
