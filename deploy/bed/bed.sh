#!/usr/bin/env bash
# The multi-host test bed on one machine: N "hosts", each a network namespace with its own
# dockerd, joined by a bridge that lives in a namespace of its own. See docs/design/test-bed.md.
#
#   bed.sh up N [--name PREFIX] [--images auto|host|build|none] [--owner PID] [--fresh]
#   bed.sh down [--name PREFIX] [--keep-logs]
#   bed.sh cut HOST | heal HOST          link of HOST's veth (core end) down / up (heal also
#                                        drops HOST's pairwise cuts)
#   bed.sh cut A B | heal A B            pairwise partition: A and B cannot reach each other
#   bed.sh kill HOST [--all]             SIGKILL HOST's dockerd (--all: every process of HOST)
#   bed.sh start HOST                    boot HOST's engine again after `kill`
#   bed.sh exec HOST CMD [ARG...]        run CMD in HOST's netns with DOCKER_HOST set
#   bed.sh status [--name PREFIX]
#
# Network: underlay 10.199.0.0/24, host i = 10.199.0.(10+i), on bridge tsbed0 in netns
# tsbed-core. Neither has a route to anything else; the root namespace is not attached.
# Processes: each host's engine (dockerd, containerd, shims, docker-proxy) runs in cgroup
# /tsbed/HOST/engine, its containers under /tsbed/HOST/ctr, `exec`ed commands in
# /tsbed/HOST/proc; `down` kills exactly what is in /tsbed/HOST, by pid.
set -euo pipefail

readonly CORE_NS=tsbed-core
readonly BRIDGE=tsbed0
readonly NET=10.199.0
readonly RUN_DIR=/run/tsbed
readonly DATA_DIR=/var/lib/tsbed
readonly LOG_DIR=/var/log/tsbed
readonly CG_ROOT=tsbed
readonly MAX_HOSTS=40
readonly IMAGES=(tsswarm/busybox:latest tsswarm/web:latest)
readonly HOST_ENGINE=unix:///var/run/docker.sock   # read from (docker save) only, never changed
SELF="${BASH_SOURCE[0]}"
[[ "$SELF" == /* ]] || SELF="$PWD/$SELF"
readonly SELF
repo() { (cd "${SELF%/*}/../.." && pwd); }

log() { printf 'bed: %s\n' "$*" >&2; }
die() { printf 'bed: error: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }

# --- naming -------------------------------------------------------------------------------
prefix=tsbed-h
check_prefix() {
  [[ "$prefix" =~ ^[a-z][a-z0-9-]*[a-z-]$ ]] || die "bad --name '$prefix' (lowercase letters, digits, '-'; must not end in a digit)"
  [ ${#prefix} -le 10 ] || die "--name '$prefix' is longer than 10 characters (veth names are limited to 15)"
}
host_index() { # HOST -> i, or fail
  local h="$1"
  [[ "$h" =~ ^[a-z][a-z0-9-]*[a-z-]([0-9]+)$ ]] || die "not a bed host name: '$h'"
  local i=$((10#${BASH_REMATCH[1]}))
  [ "$i" -ge 1 ] && [ "$i" -le "$MAX_HOSTS" ] || die "host index out of range: '$h'"
  echo "$i"
}
addr_of() { echo "$NET.$((10 + $1))"; }
veth_of() { echo "v-$1"; }            # core-side end; the host side is eth0 in the host ns
run_of() { echo "$RUN_DIR/$1"; }
data_of() { echo "$DATA_DIR/$1"; }
sock_of() { echo "$RUN_DIR/$1/docker.sock"; }
pidfile_of() { echo "$RUN_DIR/$1/docker.pid"; }
log_of() { echo "$LOG_DIR/$1-dockerd.log"; }
dk() { local h="$1"; shift; timeout 60 docker -H "unix://$(sock_of "$h")" "$@"; }

# cgroup hierarchies: every mounted v1 controller, the v2 (unified) tree, or a pure v2 root.
cg_trees() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo /sys/fs/cgroup; return; fi
  local d
  for d in /sys/fs/cgroup/*/; do
    d="${d%/}"
    [ -f "$d/cgroup.procs" ] && echo "$d"
  done
}
# Trees where the bed places its own processes (the rest only get container cgroups from runc).
cg_join_trees() {
  local t
  for t in $(cg_trees); do
    case "$t" in /sys/fs/cgroup | */unified | */pids | */systemd) echo "$t" ;; esac
  done
}
# Move pid $2 into /tsbed/$1/$3 in one tree: the unified one if there is one (moving a pid
# there is ~1 ms; in v1 `pids` ~20 ms, which every `exec` would pay), else `pids`.
cg_join_one() {
  local h="$1" pid="$2" sub="$3" t
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then t=/sys/fs/cgroup
  elif [ -f /sys/fs/cgroup/unified/cgroup.procs ]; then t=/sys/fs/cgroup/unified
  else t=/sys/fs/cgroup/pids; fi
  mkdir -p "$t/$CG_ROOT/$h/$sub"
  echo "$pid" >"$t/$CG_ROOT/$h/$sub/cgroup.procs"
}
cg_pids() { # every pid in /tsbed/$1 in any tree
  local h="$1" t
  for t in $(cg_trees); do
    [ -d "$t/$CG_ROOT/$h" ] || continue
    find "$t/$CG_ROOT/$h" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -un
}

# --- discovery ------------------------------------------------------------------------------
# Hosts of prefix $1 that left any trace: netns, run/data dir, cgroup, core veth.
hosts_of() {
  local p="$1" re t
  re="^${p}[0-9]+\$"
  {
    ip netns list 2>/dev/null | awk '{print $1}'
    ls -1 "$RUN_DIR" 2>/dev/null || true
    ls -1 "$DATA_DIR" 2>/dev/null || true
    for t in $(cg_trees); do ls -1 "$t/$CG_ROOT" 2>/dev/null || true; done
    ip -n "$CORE_NS" -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed -n 's/^v-\([^@]*\).*/\1/p'
  } | grep -E "$re" | sort -uV
}
# Hosts of any prefix still attached to the core bridge.
core_hosts() {
  ip -n "$CORE_NS" -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed -n 's/^v-\([^@]*\).*/\1/p' | sort -u
}
ns_exists() { [ -e "/var/run/netns/$1" ]; }

# pid of HOST's dockerd if it is alive (checked against its command line, not just the pidfile)
engine_pid() {
  local h="$1" pid
  pid="$(cat "$(pidfile_of "$h")" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  tr "\\0" " " 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "-H unix://$(sock_of "$h") " || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  echo "$pid"
}
engine_up() { timeout 10 docker -H "unix://$(sock_of "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# --- lock: one bed operation at a time. The (empty) lock file stays, as lock files do. -------
readonly LOCK_FILE=/run/lock/tsbed.lock
lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>>"$LOCK_FILE"
  flock -w 300 9 || die "another bed.sh has held $LOCK_FILE for 300 s"
}

preflight() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  local c
  for c in ip nsenter dockerd docker iptables findmnt flock timeout; do
    command -v "$c" >/dev/null 2>&1 || die "missing command: $c"
  done
  [ -n "$(cg_join_trees)" ] || die "no usable cgroup hierarchy under /sys/fs/cgroup"
  [ -f /sys/fs/cgroup/cgroup.controllers ] || [ -f /sys/fs/cgroup/unified/cgroup.procs ] || [ -f /sys/fs/cgroup/pids/cgroup.procs ] ||
    die "need a unified (v2) or a v1 pids cgroup hierarchy"
  if [ -S /run/containerd/containerd.sock ]; then
    log "warning: a system containerd runs at /run/containerd/containerd.sock; dockerd 20.10 will share it (namespaces keep the engines apart, but \`down\` cannot find shims by cgroup)"
  fi
}

# --- up -------------------------------------------------------------------------------------
ensure_core() {
  if ! ns_exists "$CORE_NS"; then
    ip netns add "$CORE_NS"
  fi
  ip -n "$CORE_NS" link set lo up
  if ! ip -n "$CORE_NS" link show "$BRIDGE" >/dev/null 2>&1; then
    ip -n "$CORE_NS" link add "$BRIDGE" type bridge mcast_snooping 0
  fi
  ip -n "$CORE_NS" link set "$BRIDGE" up
}

ensure_host_net() {
  local h="$1" i="$2" v
  v="$(veth_of "$h")"
  ns_exists "$h" || ip netns add "$h"
  if ! ip -n "$h" link show eth0 >/dev/null 2>&1; then
    ip -n "$CORE_NS" link del "$v" 2>/dev/null || true
    ip -n "$CORE_NS" link add "$v" type veth peer name eth0 netns "$h"
  fi
  ip -n "$CORE_NS" link set "$v" master "$BRIDGE"
  ip -n "$CORE_NS" link set "$v" up
  ip -n "$h" link set lo up
  ip -n "$h" addr replace "$(addr_of "$i")/24" dev eth0
  ip -n "$h" link set eth0 up
  nsenter --net="/var/run/netns/$h" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
}

# Start HOST's dockerd in its netns and in cgroup /tsbed/HOST/engine; returns at once.
start_engine() {
  local h="$1" i="$2" r d
  r="$(run_of "$h")"
  d="$(data_of "$h")"
  mkdir -p "$r/exec" "$d" "$LOG_DIR"
  # Own config file (never /etc/docker/daemon.json) and own key, so each engine has its own ID.
  printf '{ "deprecated-key-path": "%s/key.json" }\n' "$d" >"$r/daemon.json"
  # Callers have killed everything of HOST first, so these are stale. dockerd trusts a stale
  # containerd.pid if that pid is alive: after pid reuse it would wait on a stranger.
  rm -f "$(pidfile_of "$h")" "$(sock_of "$h")" "$r/exec/containerd/containerd.pid"
  local trees t
  trees="$(cg_join_trees | tr '\n' ' ')"
  for t in $trees; do mkdir -p "$t/$CG_ROOT/$h/engine"; done
  {
    printf '\n==== bed: starting dockerd for %s at %s ====\n' "$h" "$(date -u +%FT%TZ)"
  } >>"$(log_of "$h")"
  # The subshell joins the cgroup, then becomes nsenter, which becomes dockerd: same pid.
  # setsid: not in the caller's session or process group, so it outlives bed.sh.
  TREES="$trees" setsid bash -c '
    h="$1"; shift
    for t in $TREES; do echo $$ >"$t/'"$CG_ROOT"'/$h/engine/cgroup.procs"; done
    exec nsenter --net="/var/run/netns/$h" -- "$@"
  ' bed-engine "$h" \
    dockerd \
    --config-file "$r/daemon.json" \
    --data-root "$d/docker" \
    --exec-root "$r/exec" \
    -H "unix://$(sock_of "$h")" \
    --pidfile "$(pidfile_of "$h")" \
    --bip "172.31.$i.1/24" \
    --cgroup-parent "/$CG_ROOT/$h/ctr" \
    --containerd-namespace "tsbed-$h" \
    --containerd-plugins-namespace "tsbed-$h-plugins" \
    --storage-driver overlay2 \
    --label "tsbed.host=$h" \
    >>"$(log_of "$h")" 2>&1 </dev/null 9<&- &
  LAUNCHED[$h]=$!
}
declare -A LAUNCHED=()
alive() { [ -d "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

wait_engines() { # HOST... ; bounded: 60 s in all
  local deadline=$(($(now_ms) + 60000)) h pending
  while :; do
    pending=()
    for h in "$@"; do engine_up "$h" || pending+=("$h"); done
    [ ${#pending[@]} -eq 0 ] && return 0
    for h in "${pending[@]}"; do
      if [ -n "${LAUNCHED[$h]:-}" ] && ! alive "${LAUNCHED[$h]}"; then
        tail -n 20 "$(log_of "$h")" >&2 || true
        die "dockerd of $h exited during start-up (log: $(log_of "$h"))"
      fi
    done
    if [ "$(now_ms)" -gt "$deadline" ]; then
      for h in "${pending[@]}"; do tail -n 20 "$(log_of "$h")" >&2 || true; done
      die "engines did not answer within 60 s: ${pending[*]}"
    fi
    sleep 0.1
  done
}

# Which of IMAGES engine (a docker -H value, or "" for the host engine) lacks, by id.
image_ids() { # ENGINE -> "id id" for IMAGES, fails if one is missing
  local e="$1" ids=() img id
  for img in "${IMAGES[@]}"; do
    id="$(timeout 30 docker -H "$e" image inspect --format '{{.Id}}' "$img" 2>/dev/null)" || return 1
    ids+=("$id")
  done
  echo "${ids[*]}"
}

load_images() { # MODE HOST...
  local mode="$1" h want tar src pids=() need=() rc=0
  shift
  [ "$mode" = none ] && return 0
  mkdir -p "$DATA_DIR"
  tar="$(mktemp "$DATA_DIR/images.XXXXXX.tar")"
  TMP_TAR="$tar"
  src=""
  if [ "$mode" != build ] && want="$(image_ids "$HOST_ENGINE")"; then
    src="$HOST_ENGINE"
  elif [ "$mode" = host ]; then
    die "the host engine lacks ${IMAGES[*]} (run scripts/build-images.sh, or use --images build)"
  else
    h="$1"
    log "building test images in $h's engine (scripts/build-images.sh)"
    bash "$(repo)/scripts/build-images.sh" --engine "unix://$(sock_of "$h")" >&2 || die "scripts/build-images.sh failed for $h"
    want="$(image_ids "unix://$(sock_of "$h")")" || die "images missing in $h after the build"
    src="unix://$(sock_of "$h")"
  fi
  for h in "$@"; do
    [ "$(image_ids "unix://$(sock_of "$h")" 2>/dev/null || true)" = "$want" ] || need+=("$h")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  timeout 120 docker -H "$src" save -o "$tar" "${IMAGES[@]}" || die "docker save from $src failed"
  for h in "${need[@]}"; do
    dk "$h" load -q -i "$tar" >/dev/null &
    pids+=($!)
  done
  for h in "${pids[@]}"; do wait "$h" || rc=1; done
  [ "$rc" = 0 ] || die "docker load failed on one of: ${need[*]}"
  rm -f "$tar"
}
TMP_TAR=""
trap '[ -z "$TMP_TAR" ] || rm -f "$TMP_TAR"' EXIT

set_owner() { # PREFIX OWNER-PID: refuse if the bed belongs to another live process
  local p="$1" owner="$2" f="$RUN_DIR/owner" cur_p cur_pid
  if [ -f "$f" ]; then
    read -r cur_p cur_pid <"$f" || true
    if [ -n "${cur_pid:-}" ] && [ "$cur_pid" != "$owner" ] && [ "$cur_pid" != 0 ] && kill -0 "$cur_pid" 2>/dev/null; then
      echo "bed: busy: owned by pid $cur_pid (prefix $cur_p)" >&2
      exit 75
    fi
    if [ "${cur_p:-$p}" != "$p" ]; then
      log "taking over from a stale bed of prefix $cur_p (owner gone): tearing it down"
      do_down "$cur_p" 0 || die "could not tear down the stale bed $cur_p*"
    fi
  fi
  mkdir -p "$RUN_DIR"
  echo "$p $owner" >"$f"
}

cmd_up() {
  local n="" images=auto owner=0 fresh=0 t0 i h others hosts=() starting=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) prefix="${2:?--name needs a value}"; shift 2 ;;
      --images) images="${2:?--images needs a value}"; shift 2 ;;
      --owner) owner="${2:?--owner needs a pid}"; shift 2 ;;
      --fresh) fresh=1; shift ;;
      -*) die "up: unknown option $1" ;;
      *) [ -z "$n" ] || die "up: one N only"; n="$1"; shift ;;
    esac
  done
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$MAX_HOSTS" ] || die "up: N must be 1..$MAX_HOSTS"
  case "$images" in auto | host | build | none) ;; *) die "up: --images auto|host|build|none" ;; esac
  [[ "$owner" =~ ^[0-9]+$ ]] || die "up: --owner must be a pid"
  check_prefix
  preflight
  lock
  t0=$(now_ms)
  set_owner "$prefix" "$owner"
  if [ "$fresh" = 1 ] && [ -n "$(hosts_of "$prefix")" ]; then
    log "--fresh: tearing down what is left of $prefix*"
    do_down "$prefix" 0 || die "--fresh: could not tear down $prefix*"
    set_owner "$prefix" "$owner"
  fi
  others="$(core_hosts | grep -vE "^${prefix}[0-9]+\$" || true)"
  [ -z "$others" ] || die "the core bridge has hosts of another bed: $(echo "$others" | tr '\n' ' ')(run: bed.sh down --name PREFIX)"

  ensure_core
  for i in $(seq 1 "$n"); do hosts+=("$prefix$i"); done
  # `up N` makes the bed exactly N hosts
  for h in $(hosts_of "$prefix"); do
    [ "$(host_index "$h")" -le "$n" ] || { log "removing $h (beyond $n)"; teardown_host "$h" 0; }
  done
  for i in $(seq 1 "$n"); do
    h="$prefix$i"
    ensure_host_net "$h" "$i"
    if ! engine_up "$h"; then
      if engine_pid "$h" >/dev/null; then
        # alive but not answering yet (another up is starting it); wait_engines decides
        :
      else
        clean_host_procs "$h" 10 || die "cannot restart $h: its old processes do not die"
        unmount_under "$(data_of "$h")" "$(run_of "$h")" || die "cannot restart $h: mounts remain under $(data_of "$h")"
        start_engine "$h" "$i"
        starting+=("$h")
      fi
    fi
  done
  wait_engines "${hosts[@]}"
  local t1=$(($(now_ms) - t0))
  load_images "$images" "${hosts[@]}"
  log "up: $n host(s) ready in $(($(now_ms) - t0)) ms (engines $t1 ms${starting[*]:+, started: ${starting[*]}})"
  for h in "${hosts[@]}"; do
    printf '%s\t%s\tunix://%s\t%s\n' "$h" "$(addr_of "$(host_index "$h")")" "$(sock_of "$h")" "$h"
  done
}

# --- down -----------------------------------------------------------------------------------
# Kill everything in /tsbed/HOST (engine, shims, containers, exec'd commands), by pid.
# Bounded: gives up after $2 seconds.
clean_host_procs() {
  local h="$1" secs="${2:-10}" t f pid deadline start killed_all
  start=$(now_ms)
  deadline=$((start + secs * 1000))
  # a frozen (paused) container cannot die until thawed
  for t in $(cg_trees); do
    [ -d "$t/$CG_ROOT/$h" ] || continue
    find "$t/$CG_ROOT/$h" -name freezer.state 2>/dev/null | while read -r f; do echo THAWED >"$f" 2>/dev/null || true; done
  done
  while :; do
    local pids
    pids="$(cg_pids "$h")"
    [ -z "$pids" ] && return 0
    killed_all=0
    for t in $(cg_trees); do
      if [ -f "$t/$CG_ROOT/$h/cgroup.kill" ] && echo 1 >"$t/$CG_ROOT/$h/cgroup.kill" 2>/dev/null; then killed_all=1; fi
    done
    # One by one only without cgroup.kill (or if it has not worked for a second): a pid read
    # from cgroup.procs is ours, but may exit and be reused before the kill.
    if [ "$killed_all" = 0 ] || [ $(($(now_ms) - start)) -gt 1000 ]; then
      for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    if [ "$(now_ms)" -gt "$deadline" ]; then
      log "warning: processes of $h still alive after ${secs}s: $(echo "$pids" | tr '\n' ' ')"
      return 1
    fi
    sleep 0.1
  done
}

unmount_under() { # DIR... : lazily unmount everything at or below each DIR, deepest first
  local d m tries
  for tries in 1 2 3; do
    local mounts=()
    for d in "$@"; do
      while read -r m; do
        [ -n "$m" ] && mounts+=("$(printf '%b' "$m")")
      done < <(findmnt -rn -o TARGET | awk -v d="$d" '$0 == d || index($0, d "/") == 1')
    done
    [ ${#mounts[@]} -eq 0 ] && return 0
    printf '%s\n' "${mounts[@]}" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2- |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
  done
  for d in "$@"; do
    if findmnt -rn -o TARGET | awk -v d="$d" '$0 == d || index($0, d "/") == 1' | grep -q .; then
      return 1
    fi
  done
}

teardown_host() { # HOST KEEP_LOGS
  local h="$1" keep="$2" pid ids t i r d
  r="$(run_of "$h")"
  d="$(data_of "$h")"
  if pid="$(engine_pid "$h")"; then
    if engine_up "$h"; then
      ids="$(timeout 20 docker -H "unix://$(sock_of "$h")" ps -aq 2>/dev/null || true)"
      # shellcheck disable=SC2086
      [ -z "$ids" ] || timeout 30 docker -H "unix://$(sock_of "$h")" rm -f $ids >/dev/null 2>&1 || true
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do
      engine_pid "$h" >/dev/null || break
      sleep 0.1
    done
    if engine_pid "$h" >/dev/null; then
      log "dockerd of $h ignored SIGTERM for 15 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  clean_host_procs "$h" 10 || true
  unmount_under "$d" "$r" || die "mounts remain under $d or $r; not deleting them"
  ip -n "$CORE_NS" link del "$(veth_of "$h")" 2>/dev/null || true
  if ns_exists "$h"; then ip netns del "$h" || log "warning: ip netns del $h failed"; fi
  for t in $(cg_trees); do
    [ -d "$t/$CG_ROOT/$h" ] || continue
    for i in 1 2 3 4 5 6 7 8 9 10; do
      find "$t/$CG_ROOT/$h" -depth -type d -exec rmdir {} \; 2>/dev/null || true
      [ -d "$t/$CG_ROOT/$h" ] || break
      sleep 0.1
    done
    [ ! -d "$t/$CG_ROOT/$h" ] || log "warning: cgroup $t/$CG_ROOT/$h remains"
  done
  rm -rf --one-file-system "$d" "$r"
  [ "$keep" = 1 ] || rm -f "$(log_of "$h")"
}

do_down() { # PREFIX KEEP_LOGS
  local p="$1" keep="$2" h t pids=() rc=0
  for h in $(hosts_of "$p"); do
    teardown_host "$h" "$keep" &
    pids+=($!)
  done
  for h in "${pids[@]}"; do wait "$h" || rc=1; done
  if [ -z "$(core_hosts)" ] && ns_exists "$CORE_NS"; then
    ip netns del "$CORE_NS" || rc=1
  fi
  if [ -f "$RUN_DIR/owner" ] && [ "$(awk '{print $1}' "$RUN_DIR/owner")" = "$p" ]; then rm -f "$RUN_DIR/owner"; fi
  for t in $(cg_trees); do rmdir "$t/$CG_ROOT" 2>/dev/null || true; done
  [ -n "$(core_hosts)" ] || rm -f "$DATA_DIR"/images.*.tar
  rmdir "$RUN_DIR" "$DATA_DIR" 2>/dev/null || true
  [ "$keep" = 1 ] || rmdir "$LOG_DIR" 2>/dev/null || true
  return "$rc"
}

cmd_down() {
  local keep=0 t0
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) prefix="${2:?--name needs a value}"; shift 2 ;;
      --keep-logs) keep=1; shift ;;
      *) die "down: unknown argument $1" ;;
    esac
  done
  check_prefix
  [ "$(id -u)" = 0 ] || die "must run as root"
  lock
  t0=$(now_ms)
  do_down "$prefix" "$keep" || die "down: some steps failed (see above)"
  log "down: done in $(($(now_ms) - t0)) ms"
}

# --- faults ---------------------------------------------------------------------------------
ping_cmd() { if command -v ping >/dev/null 2>&1; then echo ping; else echo busybox ping; fi; }
need_host() { host_index "$1" >/dev/null; ns_exists "$1" || die "no such bed host: $1"; }
# Pairwise partitions: bridge-family nft rules in the core netns (table bridge tsbed), one
# drop rule per direction, tagged with a comment "cut A B" (names sorted) to find them again.
NFT_CHAIN="bridge tsbed partition"
core_nft() { ip netns exec "$CORE_NS" nft "$@"; }
pair_tag() { printf '%s\n' "$1" "$2" | sort | tr '\n' ' ' | sed 's/ $//; s/^/cut /'; }
pair_handles() { # TAG -> rule handles
  core_nft -a list chain $NFT_CHAIN 2>/dev/null | awk -v tag="comment \"$1\"" 'index($0, tag) { print $NF }'
}
cmd_cut() {
  local h="$1" peer="${2:-}" tag
  need_host "$h"
  if [ -z "$peer" ]; then ip -n "$CORE_NS" link set "$(veth_of "$h")" down; return; fi
  need_host "$peer"
  [ "$h" != "$peer" ] || die "cut: a host cannot be cut from itself"
  tag="$(pair_tag "$h" "$peer")"
  core_nft add table bridge tsbed
  core_nft add chain $NFT_CHAIN '{ type filter hook forward priority 0; policy accept; }'
  [ -z "$(pair_handles "$tag")" ] || return 0
  core_nft add rule $NFT_CHAIN iifname "$(veth_of "$h")" oifname "$(veth_of "$peer")" drop comment "\"$tag\""
  core_nft add rule $NFT_CHAIN iifname "$(veth_of "$peer")" oifname "$(veth_of "$h")" drop comment "\"$tag\""
}
cmd_heal() {
  local h="$1" peer="${2:-}" tag handle
  need_host "$h"
  if [ -z "$peer" ]; then
    # whole host: link up, and every pairwise cut that involves it gone
    ip -n "$CORE_NS" link set "$(veth_of "$h")" up
    for handle in $(core_nft -a list chain $NFT_CHAIN 2>/dev/null | awk -v a="\"cut $h " -v b=" $h\"" 'index($0, a) || index($0, b) { print $NF }'); do
      core_nft delete rule $NFT_CHAIN handle "$handle"
    done
    return
  fi
  tag="$(pair_tag "$h" "$peer")"
  for handle in $(pair_handles "$tag"); do core_nft delete rule $NFT_CHAIN handle "$handle"; done
}
cmd_kill() {
  local h="$1" pid
  need_host "$h"
  if [ "${2:-}" = --all ]; then
    clean_host_procs "$h" 10
  elif pid="$(engine_pid "$h")"; then
    kill -KILL "$pid"
    for _ in $(seq 1 50); do engine_pid "$h" >/dev/null || return 0; sleep 0.1; done
    die "dockerd of $h (pid $pid) survived SIGKILL"
  else
    log "dockerd of $h is not running"
  fi
}
cmd_start() {
  local h="$1" i t
  i="$(host_index "$h")"
  need_host "$h"
  lock
  if engine_up "$h"; then log "$h: engine already up"; return 0; fi
  engine_pid "$h" >/dev/null && die "$h: dockerd runs but does not answer"
  # a "reboot": what survived the crash of the engine (shims, containers) goes first
  clean_host_procs "$h" 10
  unmount_under "$(data_of "$h")" "$(run_of "$h")" || die "mounts remain under $(data_of "$h")"
  start_engine "$h" "$i"
  wait_engines "$h"
}

cmd_exec() {
  local h="${1:?exec: HOST CMD...}"
  shift
  [ "${1:-}" = -- ] && shift
  [ $# -ge 1 ] || die "exec: no command"
  need_host "$h"
  cg_join_one "$h" "$$" proc
  export DOCKER_HOST="unix://$(sock_of "$h")"
  exec nsenter --net="/var/run/netns/$h" -- "$@"
}

cmd_status() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) prefix="${2:?--name needs a value}"; shift 2 ;;
      *) die "status: unknown argument $1" ;;
    esac
  done
  local h first="" link pid eng reach
  printf '%-12s %-13s %-6s %-8s %-7s %s\n' HOST ADDR LINK DOCKERD ENGINE "PING-FROM-FIRST"
  for h in $(hosts_of "$prefix"); do
    ns_exists "$h" || { printf '%-12s (leftovers only)\n' "$h"; continue; }
    [ -n "$first" ] || first="$h"
    link="$(ip -n "$CORE_NS" -o link show "$(veth_of "$h")" 2>/dev/null | grep -q 'state UP' && echo up || echo down)"
    pid="$(engine_pid "$h" || echo -)"
    eng="$(engine_up "$h" && echo up || echo down)"
    reach="-"
    if [ "$h" != "$first" ]; then
      if nsenter --net="/var/run/netns/$first" timeout 3 $(ping_cmd) -c1 -W1 "$(addr_of "$(host_index "$h")")" >/dev/null 2>&1; then reach=ok; else reach=unreachable; fi
    fi
    printf '%-12s %-13s %-6s %-8s %-7s %s\n' "$h" "$(addr_of "$(host_index "$h")")" "$link" "$pid" "$eng" "$reach"
  done
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    cut) [ $# -ge 1 ] && [ $# -le 2 ] || die "usage: cut HOST [PEER]"; [ "$(id -u)" = 0 ] || die "must run as root"; cmd_cut "$@" ;;
    heal) [ $# -ge 1 ] && [ $# -le 2 ] || die "usage: heal HOST [PEER]"; [ "$(id -u)" = 0 ] || die "must run as root"; cmd_heal "$@" ;;
    kill) [ $# -ge 1 ] || die "usage: kill HOST [--all]"; [ "$(id -u)" = 0 ] || die "must run as root"; cmd_kill "$@" ;;
    start) [ $# -eq 1 ] || die "usage: start HOST"; preflight; cmd_start "$1" ;;
    exec) cmd_exec "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) sed -n '2,19p' "$SELF" | sed 's/^# \{0,1\}//' ;;
    *) sed -n '5,13p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"
