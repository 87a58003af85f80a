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
  id -u "$1" >/dev/null 2>&1 || useradd -m -U -s /bin/bash "$1"
  # The test sshd runs with UsePAM no, where a fresh account ('!' in shadow) counts as locked and
  # is refused even for key logins; '*' means "no password" without locking.
  usermod -p '*' "$1"
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
  printf '%s\n' "$@" >"$home/.ssh/authorized_keys"
  chown "$user:$user" "$home/.ssh/authorized_keys"
  chmod 600 "$home/.ssh/authorized_keys"
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
printf 'fdpass:%s\n' "$FDPASS_PASSWORD" | chpasswd
set_keys fdpass
set_sudoers fdpass 'fdpass ALL=(ALL) ALL'

ensure_user fdclose
set_keys fdclose "$PLAIN_KEY"

ensure_user fdkeypass
set_keys fdkeypass "$PASSPHRASE_KEY"

mkdir -p /run/sshd
