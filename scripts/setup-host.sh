#!/usr/bin/env bash
# Prepare a Debian 12 machine to run Fleetdeck's integration and e2e tests.
#
#   sudo scripts/setup-host.sh     installs what is missing and starts dockerd
#   scripts/setup-host.sh          (non-root) only reports; exits 1 if something essential is missing
#
# Idempotent: a second run installs nothing and leaves a running dockerd alone.
# dockerd is started with setsid (no systemd needed: CI and dev VMs often lack it as PID 1).
set -euo pipefail

# Essential: the testbed cannot start hosts without these.
ESSENTIAL=(openssh-server openssh-client sudo docker.io debootstrap)
# Optional: needed by some test projects (e2e browser, lint, PDF checks), not by the testbed.
OPTIONAL=(chromium shellcheck busybox-static poppler-utils tmux iproute2 fonts-dejavu-core prometheus-node-exporter)
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/fleetdeck-dockerd.log}

log() { printf 'setup-host: %s\n' "$*" >&2; }

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing_from() {
  local pkg
  for pkg in "$@"; do
    is_installed "$pkg" || printf '%s\n' "$pkg"
  done
}

# The first docker client that can talk to the daemon. /usr/local/bin/docker may be a newer
# client than Debian's dockerd 20.10; it negotiates the API version down, but fall back to
# Debian's own client if it does not.
working_docker_client() {
  local c
  for c in docker /usr/bin/docker; do
    if command -v "$c" >/dev/null 2>&1 && "$c" info >/dev/null 2>&1; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

start_dockerd() {
  if working_docker_client >/dev/null; then
    return 0
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    log "dockerd not found"
    return 1
  fi
  # A stale pid file from a killed dockerd makes the new one refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  log "starting dockerd (log: $DOCKERD_LOG)"
  setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  local i
  for i in $(seq 1 120); do
    if working_docker_client >/dev/null; then
      log "dockerd answers after ~$((i / 2)) s"
      return 0
    fi
    sleep 0.5
  done
  log "dockerd did not answer within 60 s; see $DOCKERD_LOG"
  return 1
}

report_docker_client() {
  local client
  if client=$(working_docker_client); then
    log "docker client OK: $client ($("$client" version --format '{{.Client.Version}} -> server {{.Server.Version}}' 2>/dev/null || echo '?'))"
    if [ "$client" = /usr/bin/docker ]; then
      log "note: 'docker' on PATH cannot talk to this dockerd; the testbed falls back to /usr/bin/docker"
    fi
    return 0
  fi
  return 1
}

main() {
  local -a missing_essential missing_optional to_install
  mapfile -t missing_essential < <(missing_from "${ESSENTIAL[@]}")
  mapfile -t missing_optional < <(missing_from "${OPTIONAL[@]}")

  if [ "$(id -u)" -ne 0 ]; then
    local bad=0
    if [ "${#missing_essential[@]}" -gt 0 ]; then
      log "missing essential packages: ${missing_essential[*]}"
      bad=1
    fi
    if [ "${#missing_optional[@]}" -gt 0 ]; then
      log "missing optional packages: ${missing_optional[*]}"
    fi
    if ! report_docker_client; then
      log "docker daemon not reachable (run this script as root to start it)"
      bad=1
    fi
    [ "$bad" -eq 0 ] && log "all essential pieces present"
    exit "$bad"
  fi

  to_install=("${missing_essential[@]}" "${missing_optional[@]}")
  if [ "${#to_install[@]}" -gt 0 ]; then
    log "installing: ${to_install[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${to_install[@]}"
  else
    log "all packages already installed"
  fi

  # sshd refuses to start without its privilege-separation directory.
  mkdir -p /run/sshd
  start_dockerd
  report_docker_client
}

main "$@"
