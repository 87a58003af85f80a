#!/usr/bin/env bash
# Create the plain-sshd host's users on this machine (idempotent). Run as root by sshd-host.ts,
# under a lock so parallel test runs do not race on /etc/passwd:
#
#   sshd-users.sh PLAIN_PUBKEY PASSPHRASE_PUBKEY FDPASS_PASSWORD
#
#   fdtest    key auth, passwordless sudo
#   fdpass    password auth only, sudo asks for the password
#   fdclose   key auth; sshd_config kills its session right after login
#   fdkeypass key auth with the passphrase-protected key only
set -euo pipefail
PLAIN_KEY=$1
PASSPHRASE_KEY=$2
FDPASS_PASSWORD=$3

ensure_user() {
  if ! id -u "$1" >/dev/null 2>&1; then
    useradd -m -U -s /bin/bash "$1"
    # The test sshd runs with UsePAM no, where a fresh account ('!' in shadow) counts as locked and
    # is refused even for key logins; '*' means "no password" without locking. Only on creation:
    # another test run may be logging in as this user right now.
    usermod -p '*' "$1"
  fi
}

set_keys() {
  local user=$1 home
  shift
  home=$(getent passwd "$user" | cut -d: -f6)
  install -d -m 700 -o "$user" -g "$user" "$home/.ssh"
  if [ "$#" -eq 0 ]; then
    rm -f "$home/.ssh/authorized_keys"
    return
  fi
  # Written beside and renamed: a login racing this script sees the old or the new file, never
  # an empty one.
  printf '%s\n' "$@" >"$home/.ssh/authorized_keys.new"
  chown "$user:$user" "$home/.ssh/authorized_keys.new"
  chmod 600 "$home/.ssh/authorized_keys.new"
  mv -f "$home/.ssh/authorized_keys.new" "$home/.ssh/authorized_keys"
}

set_sudoers() {
  local file=/etc/sudoers.d/fleetdeck-testbed-$1
  printf '%s\n' "$2" >"$file.new"
  chmod 440 "$file.new"
  visudo -cqf "$file.new"
  mv -f "$file.new" "$file"
}

ensure_user fdtest
set_keys fdtest "$PLAIN_KEY"
set_sudoers fdtest 'fdtest ALL=(ALL) NOPASSWD:ALL'

ensure_user fdpass
# chpasswd only when the password changed (a marker keeps its hash), for the same reason.
marker=/var/lib/fleetdeck-testbed/fdpass.sha256
want=$(printf '%s' "$FDPASS_PASSWORD" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$marker" 2>/dev/null)" != "$want" ]; then
  printf 'fdpass:%s\n' "$FDPASS_PASSWORD" | chpasswd
  mkdir -p "$(dirname "$marker")"
  printf '%s\n' "$want" >"$marker"
fi
set_keys fdpass
set_sudoers fdpass 'fdpass ALL=(ALL) ALL'

ensure_user fdclose
set_keys fdclose "$PLAIN_KEY"

ensure_user fdkeypass
set_keys fdkeypass "$PASSPHRASE_KEY"

mkdir -p /run/sshd
