#!/usr/bin/env bash
# Make sure a Docker engine answers on /var/run/docker.sock (install and start dockerd if needed).
set -euo pipefail

log=/var/log/devup-dockerd.log

server_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! command -v dockerd >/dev/null 2>&1; then
  echo "==> installing docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if server_answers; then
  echo "==> docker engine already answers ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi

# A dockerd that is still starting up must not get a twin fighting over its pidfile.
if ! pgrep -x dockerd >/dev/null; then
  echo "==> starting dockerd (log: $log)"
  setsid dockerd >"$log" 2>&1 </dev/null &
fi

echo "==> waiting for the docker engine"
for _ in $(seq 120); do
  if server_answers; then
    echo "==> docker engine answers after ${SECONDS}s ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 0.5
done
echo "dockerd did not answer within 60s; last lines of $log:" >&2
tail -n 30 "$log" >&2 || true
exit 1
