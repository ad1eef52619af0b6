#!/usr/bin/env bash
# Build the Postgres 15 image devup's Docker tests use (no registry is reachable, so no pull).
set -euo pipefail
cd "$(dirname "$0")/.."

image=devup-test/postgres:15
rootfs=/var/cache/devup/rootfs-pg15

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
  echo "==> debootstrap bookworm + postgresql-15 into $rootfs (mirror $mirror)"
  rm -rf "$rootfs"
  mkdir -p "$(dirname "$rootfs")"
  debootstrap --variant=minbase --include=postgresql-15 bookworm "$rootfs" "$mirror" >/var/log/devup-debootstrap.log 2>&1 \
    || { tail -n 30 /var/log/devup-debootstrap.log >&2; exit 1; }
  # Downloaded .debs and the package's default cluster are dead weight in the image.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/lib/postgresql/15 "$rootfs"/etc/postgresql/15/main
  touch "$rootfs/.devup-complete"
else
  echo "==> reusing rootfs in $rootfs"
fi

echo "==> adding the entrypoint"
install -m 0755 docker/postgres-test/docker-entrypoint.sh "$rootfs/usr/local/bin/docker-entrypoint.sh"
install -d -o "$(chroot "$rootfs" id -u postgres)" -g "$(chroot "$rootfs" id -g postgres)" -m 2775 \
  "$rootfs/var/run/postgresql"

echo "==> docker import $image"
tar -C "$rootfs" --exclude=./.devup-complete -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'EXPOSE 5432' \
  --change 'VOLUME /var/lib/postgresql/data' \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" >/dev/null

# The rootfs is ~600 MB and only needed to import again, which the image check above makes rare.
echo "==> removing $rootfs"
rm -rf "$rootfs"
echo "==> built $image in ${SECONDS}s"
