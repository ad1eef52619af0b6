#!/usr/bin/env bash
# Entrypoint for devup's locally built RabbitMQ image (Debian's rabbitmq-server); follows the
# official rabbitmq image's contract: RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS and
# RABBITMQ_DEFAULT_VHOST create the first user on an empty data directory, logs go to stdout,
# data lives in /var/lib/rabbitmq, AMQP on 5672 and the management UI on 15672.
set -euo pipefail

# Another command runs as is (`docker run IMAGE bash`).
if [ $# -gt 0 ] && [ "$1" != rabbitmq-server ]; then exec "$@"; fi

: "${RABBITMQ_DEFAULT_USER:=guest}"
: "${RABBITMQ_DEFAULT_PASS:=guest}"
: "${RABBITMQ_DEFAULT_VHOST:=/}"

# The config is written on every start, so a changed environment applies to a kept volume's server
# (the broker itself only uses the default user on an empty database, as the official image does).
cat >/etc/rabbitmq/rabbitmq.conf <<CONF
listeners.tcp.default = 5672
management.tcp.port = 15672
loopback_users = none
default_user = ${RABBITMQ_DEFAULT_USER}
default_pass = ${RABBITMQ_DEFAULT_PASS}
default_vhost = ${RABBITMQ_DEFAULT_VHOST}
log.console = true
log.console.level = info
log.file = false
CONF

# A fresh named volume starts with the image's (rabbitmq-owned) directory; a bind mount may not.
chown rabbitmq:rabbitmq /var/lib/rabbitmq
export HOME=/var/lib/rabbitmq
cd /var/lib/rabbitmq
# setpriv (util-linux, in minbase) drops privileges without gosu; the broker's own start script
# then runs as PID 1 and turns `docker stop`'s SIGTERM into a clean shutdown.
exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server
