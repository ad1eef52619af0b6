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

bash scripts/debootstrap-rootfs.sh "$rootfs" postgresql-15 /var/log/devup-debootstrap.log
# The package's default cluster is dead weight in the image.
rm -rf "$rootfs"/var/lib/postgresql/15 "$rootfs"/etc/postgresql/15/main

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
