#!/bin/sh
# Listen on $PORT (default 80); each connection runs handle.sh in its own process.
# BODY is computed once so a request costs one fork of sh and nothing else.
# As PID 1, nc would ignore SIGTERM; this shell stops it so `docker stop` is quick.
BODY="$(hostname)"
export BODY
# busybox nc's listen backlog is the number of -l flags given (xlisten(fd, do_listen)):
# with the usual -ll, a burst of clients overflows it and waits for a SYN retry (1 s).
# 64 gives room for bursts; two or more also make nc keep serving, forking per client.
ls64=llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll
nc "-$ls64" -p "${PORT:-80}" -e /bin/handle.sh &
nc_pid=$!
trap 'kill "$nc_pid" 2>/dev/null; exit 0' TERM INT
wait "$nc_pid"
