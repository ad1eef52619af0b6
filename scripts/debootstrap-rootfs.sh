#!/usr/bin/env bash
# Shared by the test-image scripts: a minimal Debian bookworm root filesystem with PACKAGES, made
# once in ROOTFS (reused while its completion marker is there), from the mirror apt already reaches.
# Usage: debootstrap-rootfs.sh ROOTFS PACKAGES LOG
set -euo pipefail
rootfs=$1 packages=$2 log=$3

# The marker is written last, so an interrupted debootstrap is started over, not reused.
if [ -e "$rootfs/.devup-complete" ]; then
  echo "==> reusing rootfs in $rootfs"
  exit 0
fi
# debootstrap must use the mirror apt already reaches; it is the only archive on this network.
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
echo "==> debootstrap bookworm + $packages into $rootfs (mirror $mirror)"
rm -rf "$rootfs"
mkdir -p "$(dirname "$rootfs")"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >"$log" 2>&1 \
  || { tail -n 30 "$log" >&2; exit 1; }
# Downloaded .debs and the package lists are dead weight in an image.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
touch "$rootfs/.devup-complete"
