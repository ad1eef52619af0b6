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

# debootstrap must use the mirror apt already reaches; it is the only archive on this network.
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

# The marker is written last, so an interrupted debootstrap is started over, not reused.
if [ ! -e "$rootfs/.devup-complete" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  echo "==> debootstrap bookworm + redis-server into $rootfs (mirror $mirror)"
  rm -rf "$rootfs"
  mkdir -p "$(dirname "$rootfs")"
  debootstrap --variant=minbase --include=redis-server,redis-tools bookworm "$rootfs" "$mirror" \
    >/var/log/devup-debootstrap-redis.log 2>&1 || { tail -n 30 /var/log/devup-debootstrap-redis.log >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  mkdir -p "$rootfs/data"
  touch "$rootfs/.devup-complete"
else
  echo "==> reusing rootfs in $rootfs"
fi

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
