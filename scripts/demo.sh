#!/usr/bin/env bash
# Brings up a local demo cluster of three "hosts" (network namespaces, each with its own
# dockerd — the multi-host test bed of deploy/bed): a manager on host 1 and workers on
# hosts 2 and 3, then deploys a 5-replica web service published on port 8080 through the
# routing mesh (VXLAN overlay + nftables round-robin). Two forwarders bridge this machine's
# 127.0.0.1:2375 (API) and 127.0.0.1:8080 (the service) into host 1.
#   bash scripts/demo.sh        # up
#   bash scripts/demo.sh down   # remove everything
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
root=/var/lib/tsswarm-demo
bed=(bash deploy/bed/bed.sh)
prefix=tsdemo-h
api_port="${TSSWARM_DEMO_API_PORT:-2375}"
web_port="${TSSWARM_DEMO_WEB_PORT:-8080}"
tsswarm() { node "$repo/bin/tsswarm.js" "$@"; }
# Hosts share one machine's list of network namespaces: each host's overlay sandboxes get a prefix of their own.
in_host() { local h="$1"; shift; TSSWARM_SANDBOX_PREFIX="tsd$h" "${bed[@]}" exec "$prefix$h" "$@"; }

down() {
  for f in "$root"/fwd-*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  # The bed kills every process it started in its hosts (engines, tsswarm, forwarders) by cgroup.
  "${bed[@]}" down --name "$prefix" >/dev/null 2>&1 || "${bed[@]}" down --name "$prefix"
  # The workers' overlay sandboxes are namespaces of their own; the bed does not know them.
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^tsd[0-9]+-' || true); do ip netns del "$ns"; done
  rm -rf "$root"
  echo "demo cluster removed"
}

if [ "${1:-up}" = down ]; then down; exit 0; fi

bash scripts/setup.sh
if [ -d "$root" ]; then echo "==> removing the previous demo cluster"; down; fi
mkdir -p "$root"

echo "==> starting 3 hosts (network namespaces with a dockerd each, underlay 10.199.0.0/24)"
"${bed[@]}" up 3 --name "$prefix" --images auto

echo "==> host 1: manager (cluster 10.199.0.11:2377, API 127.0.0.1:2375 inside the host)"
in_host 1 node "$repo/bin/tsswarm.js" init -d --listen-addr 10.199.0.11:2377 --advertise-addr 10.199.0.11 --api-addr 127.0.0.1:2375 \
  --data-dir "$root/host1" --hostname manager --availability drain
echo "==> forwarding 127.0.0.1:$api_port here to host 1's API"
in_host 1 node --import tsx "$repo/deploy/demo/forward.ts" "unix:$root/api.sock" tcp:127.0.0.1:2375 >/dev/null &
in_host 1 node --import tsx "$repo/deploy/demo/forward.ts" "unix:$root/web.sock" "tcp:127.0.0.1:8080" >/dev/null &
for _ in $(seq 1 100); do [ -S "$root/api.sock" ] && [ -S "$root/web.sock" ] && break; sleep 0.1; done
(setsid node --import tsx deploy/demo/forward.ts "tcp:127.0.0.1:$api_port" "unix:$root/api.sock" --pid-file "$root/fwd-api.pid" >/dev/null 2>&1 &)
(setsid node --import tsx deploy/demo/forward.ts "tcp:127.0.0.1:$web_port" "unix:$root/web.sock" --pid-file "$root/fwd-web.pid" >/dev/null 2>&1 &)
for _ in $(seq 1 100); do [ -f "$root/fwd-api.pid" ] && [ -f "$root/fwd-web.pid" ] && break; sleep 0.1; done
export TSSWARM_HOST="tcp://127.0.0.1:$api_port"

token=$(tsswarm swarm join-token -q worker)
for i in 2 3; do
  echo "==> host $i: worker$((i - 1))"
  in_host "$i" node "$repo/bin/tsswarm.js" join -d --token "$token" --listen-addr "10.199.0.1$i:2377" \
    --advertise-addr "10.199.0.1$i" --data-dir "$root/host$i" --hostname "worker$((i - 1))" 10.199.0.11:2377
done

echo "==> deploying service 'web' (5 replicas of tsswarm/web, published on port 8080)"
tsswarm service create --name web --replicas 5 -p 8080:80 tsswarm/web
tsswarm node ls
tsswarm service ps web

echo "==> 10 requests to 127.0.0.1:$web_port (the routing mesh on host 1, round-robin):"
for _ in $(seq 1 10); do curl -s -m 3 "http://127.0.0.1:$web_port/" || echo "(no answer)"; done

cat <<MSG

The demo cluster is up.
  tsswarm -H tcp://127.0.0.1:$api_port service ls     # or: docker -H tcp://127.0.0.1:$api_port service ls
  curl http://127.0.0.1:$web_port/                     # round-robin over the 5 replicas
  bash scripts/demo.sh down                       # remove everything
MSG
