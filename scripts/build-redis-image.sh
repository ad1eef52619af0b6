#!/usr/bin/env bash
# Build the Redis image devup's infra tests use (no registry is reachable, so no pull): Debian's
# redis-server and redis-tools (so `redis-cli ping`, the preset's readiness, runs inside it).
set -euo pipefail
cd "$(dirname "$0")/.."

image=devup-test/redis:7
rootfs=/var/cache/devup/rootfs-redis

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "==> $image already built"
  exit 0
fi

bash scripts/debootstrap-rootfs.sh "$rootfs" redis-server,redis-tools /var/log/devup-debootstrap-redis.log
mkdir -p "$rootfs/data"

echo "==> docker import $image"
# The official image's contract: data in /data, listening on every address of the container.
tar -C "$rootfs" --exclude=./.devup-complete -c . | docker import \
  --change 'CMD ["redis-server","--bind","0.0.0.0","--protected-mode","no","--dir","/data"]' \
  --change 'EXPOSE 6379' \
  --change 'VOLUME /data' \
  --change 'WORKDIR /data' \
  - "$image" >/dev/null

echo "==> removing $rootfs"
rm -rf "$rootfs"
echo "==> built $image in ${SECONDS}s"
