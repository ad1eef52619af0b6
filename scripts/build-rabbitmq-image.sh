#!/usr/bin/env bash
# Build the RabbitMQ image devup's infra tests use (no registry is reachable, so no pull): Debian's
# rabbitmq-server (3.10, with Erlang and the management plugin), so `rabbitmq-diagnostics -q ping`,
# the preset's readiness, runs inside it.
set -euo pipefail
cd "$(dirname "$0")/.."

image=devup-test/rabbitmq:3
rootfs=/var/cache/devup/rootfs-rabbitmq

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "==> $image already built"
  exit 0
fi

bash scripts/debootstrap-rootfs.sh "$rootfs" rabbitmq-server /var/log/devup-debootstrap-rabbitmq.log
# The package's Erlang cookie would be every container's: each broker makes its own on first start.
rm -f "$rootfs/var/lib/rabbitmq/.erlang.cookie"
# The official -management image serves its UI on 15672; enabling writes only /etc/rabbitmq/enabled_plugins.
chroot "$rootfs" rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
install -m 0755 docker/rabbitmq-test/docker-entrypoint.sh "$rootfs/usr/local/bin/docker-entrypoint.sh"

echo "==> docker import $image"
tar -C "$rootfs" --exclude=./.devup-complete -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["rabbitmq-server"]' \
  --change 'EXPOSE 5672 15672' \
  --change 'VOLUME /var/lib/rabbitmq' \
  - "$image" >/dev/null

echo "==> removing $rootfs"
rm -rf "$rootfs"
echo "==> built $image in ${SECONDS}s"
