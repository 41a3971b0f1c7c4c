#!/usr/bin/env bash
# Brings up a local demo cluster: 1 manager (drained) + 2 workers as separate processes on
# loopback, then deploys a 5-replica web service. `scripts/demo.sh down` removes it all.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.tsswarm-demo"
api="127.0.0.1:${TSSWARM_DEMO_API_PORT:-2375}"
grpc="127.0.0.1:${TSSWARM_DEMO_GRPC_PORT:-2377}"
tsswarm() { node bin/tsswarm.js "$@"; }

down() {
  for n in worker2 worker1 manager; do
    [ -f "$root/$n/tsswarm.pid" ] && tsswarm leave --data-dir "$root/$n" --force || true
  done
  # Containers of the demo's nodes, by the node-id label (never by name).
  for f in "$root"/*/node.json; do
    [ -f "$f" ] || continue
    id=$(sed -E 's/.*"nodeId":"([0-9a-z]+)".*/\1/' "$f")
    ids=$(docker ps -aq --filter "label=com.tsswarm.node.id=$id")
    [ -z "$ids" ] || docker rm -f $ids >/dev/null
  done
  rm -rf "$root"
  echo "demo cluster removed"
}

if [ "${1:-up}" = down ]; then down; exit 0; fi

bash scripts/setup.sh
if [ -d "$root" ]; then echo "==> removing the previous demo cluster"; down; fi
mkdir -p "$root"

echo "==> starting the manager (API on $api, cluster on $grpc)"
tsswarm init -d --listen-addr "$grpc" --api-addr "$api" --data-dir "$root/manager" --hostname manager --availability drain
token=$(tsswarm -H "tcp://$api" swarm join-token -q worker)
for i in 1 2; do
  echo "==> starting worker$i"
  tsswarm join -d --token "$token" --data-dir "$root/worker$i" --hostname "worker$i" "$grpc"
done

echo "==> deploying service 'web' (5 replicas of tsswarm/web, published on port 8080)"
tsswarm -H "tcp://$api" service create --name web --replicas 5 -p 8080:80 tsswarm/web
tsswarm -H "tcp://$api" node ls
tsswarm -H "tcp://$api" service ps web

cat <<MSG

The demo cluster is up.
  tsswarm -H tcp://$api service ls          # or: docker -H tcp://$api service ls
  curl http://127.0.0.1:8080/               # round-robin over the 5 replicas
  bash scripts/demo.sh down                 # remove everything
MSG
