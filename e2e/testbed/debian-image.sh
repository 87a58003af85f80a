#!/usr/bin/env bash
# Build the testbed's Debian 12 host image: systemd as PID 1, sshd, sudo, NO node (so tests can
# exercise the "push a portable Node runtime" path). Run by image.ts as root:
#
#   debian-image.sh TAG
#
# The image tag carries a hash of this file, so editing the recipe rebuilds it on next use.
# Facts behind the choices are in the testbed README at the top of index.ts.
set -euo pipefail

TAG=${1:?usage: debian-image.sh TAG}
REPO=${TAG%:*}
MIRROR=${FLEETDECK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Keep downloaded .debs between builds: a recipe change then costs no second download.
DEB_CACHE=/var/cache/fleetdeck-testbed/debs
CAROL_PASSWORD='carol-Secret-1'
PROXY_PORTS='22 80 8000 9090 9100'

if docker image inspect "$TAG" >/dev/null 2>&1; then
  exit 0 # another process built it while we waited for the lock
fi

ROOTFS=$(mktemp -d /var/tmp/fleetdeck-debian.XXXXXX)
cleanup() {
  set +e # runs on every exit: must not stop half-way
  # debootstrap mounts /proc and /sys inside the target; never rm -rf through a live mount.
  awk -v root="$ROOTFS/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf --one-file-system "$ROOTFS"
}
trap cleanup EXIT

mkdir -p "$DEB_CACHE"
debootstrap --variant=minbase --cache-dir="$DEB_CACHE" \
  --include=openssh-server,sudo,systemd,systemd-sysv,dbus,procps,iproute2,libpam-systemd,ca-certificates \
  bookworm "$ROOTFS" "$MIRROR"

in_root() { chroot "$ROOTFS" "$@"; }

# Each host must get its own SSH host keys: drop the build's and generate at first boot.
rm -f "$ROOTFS"/etc/ssh/ssh_host_*
cat >"$ROOTFS/etc/systemd/system/testbed-hostkeys.service" <<'EOF'
[Unit]
Description=Generate this host's SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=ssh.service
EOF

# The host runs with --network none. Each listed port is exposed as /testbed/sock/PORT.sock (a
# bind mount from the test machine) and proxied to 127.0.0.1:PORT inside, so tests reach sshd and
# any service they install without any real network.
cat >"$ROOTFS/etc/systemd/system/testbed-proxy@.socket" <<'EOF'
[Unit]
Description=Unix socket for the test machine to reach port %i

[Socket]
ListenStream=/testbed/sock/%i.sock
SocketMode=0666

[Install]
WantedBy=sockets.target
EOF
cat >"$ROOTFS/etc/systemd/system/testbed-proxy@.service" <<'EOF'
[Unit]
Description=Proxy /testbed/sock/%i.sock to 127.0.0.1:%i
Requires=testbed-proxy@%i.socket
After=testbed-proxy@%i.socket

[Service]
ExecStart=/lib/systemd/systemd-socket-proxyd 127.0.0.1:%i
EOF

# PID 1 wrapper: make the cgroup v1 controllers writable for systemd (a plain remount,rw says
# "busy"; a bind remount works), add cgroup2, install the test keys, then become systemd.
cat >"$ROOTFS/usr/local/sbin/testbed-init" <<'EOF'
#!/bin/sh
set -e
mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
for d in /sys/fs/cgroup/*; do
  if [ ! -L "$d" ] && mountpoint -q "$d"; then mount -o remount,bind,rw "$d"; fi
done
mkdir -p /sys/fs/cgroup/unified
mountpoint -q /sys/fs/cgroup/unified || mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified || true
# Keys come from the bind-mounted /testbed dir (generated per machine, not baked into the image).
# /home/nox is a fresh noexec tmpfs on every start, so its ~/.ssh is written here too.
for u in admin carol nox; do
  h=$(getent passwd "$u" | cut -d: -f6)
  mkdir -p "$h/.ssh"
  cp /testbed/authorized_keys "$h/.ssh/authorized_keys"
  chown -R "$u:$u" "$h/.ssh"
  chmod 700 "$h/.ssh"
  chmod 600 "$h/.ssh/authorized_keys"
done
# sudo warns "unable to resolve host" without this.
echo "127.0.1.1 $(hostname)" >>/etc/hosts
exec /sbin/init
EOF
chmod 755 "$ROOTFS/usr/local/sbin/testbed-init"

in_root systemctl enable testbed-hostkeys.service
for p in $PROXY_PORTS; do in_root systemctl enable "testbed-proxy@$p.socket"; done
# Units that only cost boot time or fail in a container.
in_root systemctl mask getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
  apt-daily.service apt-daily-upgrade.service e2scrub_all.timer e2scrub_reap.service fstrim.timer

# Users. Password field '*' = no password but not locked, so key logins work.
in_root useradd -m -u 1000 -U -s /bin/bash admin
in_root usermod -p '*' admin
echo 'admin ALL=(ALL) NOPASSWD:ALL' >"$ROOTFS/etc/sudoers.d/admin"
in_root useradd -m -u 1001 -U -s /bin/bash carol
echo "carol:$CAROL_PASSWORD" | in_root chpasswd
echo 'carol ALL=(ALL) ALL' >"$ROOTFS/etc/sudoers.d/carol"
# nox's home is a noexec tmpfs mounted at run time (tests "never run the helper from noexec").
in_root useradd -M -d /home/nox -u 1002 -U -s /bin/bash nox
in_root usermod -p '*' nox
chmod 440 "$ROOTFS"/etc/sudoers.d/admin "$ROOTFS"/etc/sudoers.d/carol

# Every host must get its own machine id at boot.
: >"$ROOTFS/etc/machine-id"
rm -f "$ROOTFS/var/lib/dbus/machine-id"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*

tar -C "$ROOTFS" -c . | docker import -c 'ENV container=docker' \
  -c 'CMD ["/usr/local/sbin/testbed-init"]' - "$TAG" >/dev/null

# Drop images of older recipes (ignore ones still used by a running container).
docker image ls --format '{{.Repository}}:{{.Tag}}' "$REPO" | grep -vxF "$TAG" |
  xargs -r docker image rm >/dev/null 2>&1 || true
