import type { Check } from '../../../src-common/change/plan.schema.js';
import { resourceId, type Resource } from '../../../src-common/change/resource.schema.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import { dockerInfo, dockerSettings, type DockerSettings } from '../../../src-common/modules/docker.js';
import { defineModule, type HostFacts } from '../change/module.js';
import { APT_KEYRINGS, byBackend, FETCH_KEY, mirrorName } from './family.js';

/**
 * Docker Engine (issue 10). Packages from the distribution (Debian/Ubuntu docker.io, Fedora
 * moby-engine, openSUSE/Arch/Alpine docker) or from Docker's own repository (docker-ce and its
 * plugins; apt and dnf/yum only: its repository file and signing key come first). Then
 * /etc/docker/daemon.json, rendered here byte for byte the same for the same settings (so a
 * second plan finds nothing to change and a hand edit shows as drift), the docker unit with a
 * restart whenever daemon.json changes (after `dockerd --validate` where that dockerd has it),
 * and the chosen admins in the docker group, which is root by another name.
 *
 * With an NVIDIA GPU (or when asked to), NVIDIA's container toolkit from NVIDIA's repository
 * (Arch ships it in its own) and the nvidia runtime in daemon.json.
 */
export const DAEMON_JSON = '/etc/docker/daemon.json';
export const DOCKER_CE_PACKAGES = ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin'];
const NVIDIA_REPO = 'https://nvidia.github.io/libnvidia-container';
const NVIDIA_PACKAGE = 'nvidia-container-toolkit';
const HEADER = '# Managed by Fleetdeck (docker module). Edits here show up as drift and are undone by the next apply.\n';

/** Exit 0 when account $1 is in the docker group (the group list, word by word). */
const IN_DOCKER_GROUP = 'id -nG "$1" 2>/dev/null | tr " " "\\n" | grep -qx docker';
/**
 * dockerd checks the config itself before a restart, where it can (`--validate` came with Docker
 * 23; Debian 12's 20.10 lacks it): an older dockerd has nothing to ask, and daemon.json is
 * Fleetdeck's own JSON.
 */
const VALIDATE = 'if dockerd --help 2>&1 | grep -q -- "--validate"; then exec dockerd --validate --config-file "$1"; fi';
/** Docker's rpm signing key (fingerprint 060A 61C5 1B55 8A7F 742B 77AA C52F EB6B 621E 9F35), by its last 8 hex digits. */
const DOCKER_RPM_KEY_ID = '621e9f35';
const RPM_KEY_PRESENT = 'rpm -q gpg-pubkey --qf "%{VERSION}\\n" 2>/dev/null | grep -qi "$1\\$"';
const RPM_KEY_REMOVE = 'rpm -q gpg-pubkey --qf "%{NAME}-%{VERSION}-%{RELEASE}\\n" 2>/dev/null | grep -i "^gpg-pubkey-[0-9a-f]*$1-" | while read -r k; do rpm -e --allmatches "$k"; done';

/** Exit 0 once dockerd answers on its socket (openrc's start returns before it listens). */
const WAIT_DOCKERD = 'i=0; until docker version >/dev/null 2>&1; do i=$((i+1)); [ "$i" -ge 60 ] && exec docker version; sleep 1; done';
/**
 * Stops the containers dockerd runs. With live-restore they outlive dockerd: a rollback that
 * removes Docker would leave them running under containerd with nothing to manage them.
 * Nothing to stop (or no dockerd) is not a failure.
 */
const STOP_CONTAINERS = 'set -f; command -v docker >/dev/null 2>&1 || exit 0; ids=$(docker ps -q 2>/dev/null) || exit 0; [ -z "$ids" ] && exit 0; exec docker stop -t 10 $ids';

export type CgroupDriver = 'systemd' | 'cgroupfs';

/** The driver daemon.json names: the setting, or systemd where systemd runs on cgroup v2. */
export function cgroupDriverFor(probe: Probe, s: DockerSettings): CgroupDriver {
  if (s.cgroupDriver !== 'auto') return s.cgroupDriver;
  return probe.serviceManager === 'systemd' && probe.cgroup.mode === 'v2' ? 'systemd' : 'cgroupfs';
}

/** Whether this plan installs NVIDIA's toolkit (auto: when the probe saw an NVIDIA GPU and the family has it). */
export function wantsNvidia(probe: Probe, s: DockerSettings): boolean {
  if (s.nvidiaToolkit === 'off') return false;
  if (s.nvidiaToolkit === 'on') return true;
  return probe.gpuVendors.includes('nvidia') && probe.packageBackend !== 'apk';
}

/** /etc/docker/daemon.json: keys sorted, two-space indent, one trailing newline. */
export function renderDaemonJson(probe: Probe, s: DockerSettings): string {
  const config: Record<string, unknown> = {
    'exec-opts': [`native.cgroupdriver=${cgroupDriverFor(probe, s)}`],
    'live-restore': s.liveRestore,
    'log-driver': 'json-file',
    'log-opts': { 'max-file': String(s.logMaxFiles), 'max-size': s.logMaxSize },
  };
  if (wantsNvidia(probe, s)) config.runtimes = { nvidia: { path: 'nvidia-container-runtime' } };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Docker's apt repository for this release: which tree of download.docker.com, and the suite. */
const APT_RELEASES: Record<string, { tree: 'debian' | 'ubuntu' | 'raspbian'; suite: string }> = {
  'debian 10': { tree: 'debian', suite: 'buster' },
  'debian 11': { tree: 'debian', suite: 'bullseye' },
  'debian 12': { tree: 'debian', suite: 'bookworm' },
  'debian 13': { tree: 'debian', suite: 'trixie' },
  'ubuntu 20.04': { tree: 'ubuntu', suite: 'focal' },
  'ubuntu 22.04': { tree: 'ubuntu', suite: 'jammy' },
  'ubuntu 24.04': { tree: 'ubuntu', suite: 'noble' },
  'ubuntu 24.10': { tree: 'ubuntu', suite: 'oracular' },
  'ubuntu 25.04': { tree: 'ubuntu', suite: 'plucky' },
  'raspbian 11': { tree: 'raspbian', suite: 'bullseye' },
  'raspbian 12': { tree: 'raspbian', suite: 'bookworm' },
  // Derivatives use the Ubuntu release they are built on.
  'linuxmint 21': { tree: 'ubuntu', suite: 'jammy' },
  'linuxmint 22': { tree: 'ubuntu', suite: 'noble' },
  'pop 22.04': { tree: 'ubuntu', suite: 'jammy' },
  'pop 24.04': { tree: 'ubuntu', suite: 'noble' },
};

function aptRelease(probe: Probe): { tree: string; suite: string } | null {
  const { id, versionId } = probe.os;
  if (!versionId) return null;
  return APT_RELEASES[`${id} ${versionId}`] ?? APT_RELEASES[`${id} ${versionId.split('.')[0]}`] ?? null;
}

/** dpkg's name for the CPU (uname -m → dpkg --print-architecture). */
const DPKG_ARCH: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', arm64: 'arm64', armv7l: 'armhf', armv6l: 'armhf', ppc64le: 'ppc64el', s390x: 's390x' };

/** Docker's rpm tree: fedora, rhel, or centos (which Rocky, AlmaLinux and Oracle Linux use). */
function rpmTree(probe: Probe): 'fedora' | 'rhel' | 'centos' {
  if (probe.os.id === 'fedora') return 'fedora';
  if (probe.os.id === 'rhel') return 'rhel';
  return 'centos';
}

/** The distribution's own Docker Engine package, or null where it ships none (RHEL and its rebuilds). */
function distroPackages(probe: Probe): string[] | null {
  if (probe.packageBackend === 'dnf' || probe.packageBackend === 'yum') return probe.os.id === 'fedora' ? ['moby-engine'] : null;
  return byBackend(probe, { apt: ['docker.io'], zypper: ['docker'], pacman: ['docker'], apk: ['docker'] });
}

const osName = (probe: Probe) => probe.os.prettyName ?? probe.os.name;
const DOCKER_REPO_SOURCE = 'Docker’s repository (download.docker.com)';
const NVIDIA_REPO_SOURCE = 'NVIDIA’s repository (nvidia.github.io)';

function dockerRepoResources(probe: Probe): Resource[] {
  if (probe.packageBackend === 'apt') {
    const rel = aptRelease(probe)!;
    const arch = DPKG_ARCH[probe.arch]!;
    const key = `${APT_KEYRINGS}/docker.asc`;
    return [
      {
        kind: 'command',
        id: 'docker-repo-key',
        label: `Fetch Docker’s apt signing key from https://download.docker.com/linux/${rel.tree}/gpg to ${key}`,
        argv: ['/bin/sh', '-c', FETCH_KEY, 'sh', `https://download.docker.com/linux/${rel.tree}/gpg`, key],
        unless: ['test', '-s', key],
        undo: ['rm', '-f', key],
        timeoutMs: 3 * 60_000,
      },
      {
        kind: 'file',
        path: '/etc/apt/sources.list.d/docker.list',
        content: `${HEADER}deb [arch=${arch} signed-by=${key}] https://download.docker.com/linux/${rel.tree} ${rel.suite} stable\n`,
        mode: 0o644,
        owner: 'root',
        group: 'root',
      },
    ];
  }
  const tree = rpmTree(probe);
  return [
    {
      kind: 'command',
      id: 'docker-repo-key',
      label: `Import Docker’s rpm signing key from https://download.docker.com/linux/${tree}/gpg (fingerprint 060A 61C5 1B55 8A7F 742B 77AA C52F EB6B 621E 9F35)`,
      argv: ['rpm', '--import', `https://download.docker.com/linux/${tree}/gpg`],
      unless: ['/bin/sh', '-c', RPM_KEY_PRESENT, 'sh', DOCKER_RPM_KEY_ID],
      undo: ['/bin/sh', '-c', RPM_KEY_REMOVE, 'sh', DOCKER_RPM_KEY_ID],
      timeoutMs: 3 * 60_000,
    },
    {
      kind: 'file',
      path: '/etc/yum.repos.d/docker-ce.repo',
      content: `${HEADER}[docker-ce-stable]\nname=Docker CE Stable - $basearch\nbaseurl=https://download.docker.com/linux/${tree}/$releasever/$basearch/stable\nenabled=1\ngpgcheck=1\ngpgkey=https://download.docker.com/linux/${tree}/gpg\n`,
      mode: 0o644,
      owner: 'root',
      group: 'root',
    },
  ];
}

/** NVIDIA's repository for the toolkit (none on Arch: its own mirror has the package). */
function nvidiaRepoResources(probe: Probe): Resource[] {
  const rpmRepo = (gpgAutoImport: boolean) =>
    `${HEADER}[nvidia-container-toolkit]\nname=nvidia-container-toolkit\nbaseurl=${NVIDIA_REPO}/stable/rpm/$basearch\nenabled=1\ngpgcheck=0\nrepo_gpgcheck=1\ngpgkey=${NVIDIA_REPO}/gpgkey\n${gpgAutoImport ? 'autorefresh=1\ntype=rpm-md\n' : ''}`;
  switch (probe.packageBackend) {
    case 'apt': {
      const key = `${APT_KEYRINGS}/nvidia-container-toolkit.asc`;
      return [
        {
          kind: 'command',
          id: 'docker-nvidia-repo-key',
          label: `Fetch NVIDIA’s signing key from ${NVIDIA_REPO}/gpgkey to ${key}`,
          argv: ['/bin/sh', '-c', FETCH_KEY, 'sh', `${NVIDIA_REPO}/gpgkey`, key],
          unless: ['test', '-s', key],
          undo: ['rm', '-f', key],
          timeoutMs: 3 * 60_000,
        },
        {
          kind: 'file',
          path: '/etc/apt/sources.list.d/nvidia-container-toolkit.list',
          // $(ARCH) is apt's own substitution, as in NVIDIA's list file.
          content: `${HEADER}deb [signed-by=${key}] ${NVIDIA_REPO}/stable/deb/$(ARCH) /\n`,
          mode: 0o644,
          owner: 'root',
          group: 'root',
        },
      ];
    }
    case 'dnf':
    case 'yum':
      // The repository's metadata is signed (repo_gpgcheck): dnf/yum -y imports gpgkey on first use.
      return [{ kind: 'file', path: '/etc/yum.repos.d/nvidia-container-toolkit.repo', content: rpmRepo(false), mode: 0o644, owner: 'root', group: 'root' }];
    case 'zypper': {
      const path = '/etc/zypp/repos.d/nvidia-container-toolkit.repo';
      return [
        { kind: 'file', path, content: rpmRepo(true), mode: 0o644, owner: 'root', group: 'root' },
        // zypper --non-interactive refuses a repository key it does not know: trust NVIDIA's once.
        {
          kind: 'command',
          id: 'docker-nvidia-repo-refresh',
          label: `Trust NVIDIA’s repository key (${NVIDIA_REPO}/gpgkey) and read the repository`,
          argv: ['zypper', '--non-interactive', '--gpg-auto-import-keys', 'refresh', 'nvidia-container-toolkit'],
          when: [`file:${path}`],
          timeoutMs: 5 * 60_000,
        },
      ];
    }
    default:
      return [];
  }
}

function groupCommand(probe: Probe, name: string): Resource {
  // Alpine's busybox has addgroup/delgroup; the others have shadow's usermod/gpasswd.
  const apk = probe.packageBackend === 'apk';
  return {
    kind: 'command',
    id: `docker-group-${name}`,
    label: `Add ${name} to the docker group (${name} can then become root on this host)`,
    argv: apk ? ['addgroup', name, 'docker'] : ['usermod', '-aG', 'docker', name],
    unless: ['/bin/sh', '-c', IN_DOCKER_GROUP, 'sh', name],
    undo: apk ? ['delgroup', name, 'docker'] : ['gpasswd', '-d', name, 'docker'],
  };
}

function dockerPresent(probe: Probe) {
  return probe.containerRuntimes.find((r) => r.name === 'docker' && r.present) ?? null;
}

export const dockerModule = defineModule<DockerSettings>({
  info: dockerInfo,
  settings: dockerSettings as never,
  unsupported(facts: HostFacts, s) {
    const { probe } = facts;
    if (probe.packageBackend === 'unknown') return 'no package manager Fleetdeck knows (apt, dnf, yum, zypper, pacman, apk)';
    if (probe.serviceManager === 'none') return 'neither systemd nor openrc runs as init';
    if (s.cgroupDriver === 'systemd' && probe.serviceManager !== 'systemd') return 'the systemd cgroup driver needs systemd as init: choose cgroupfs (or automatic)';
    if (s.source === 'distro' && !distroPackages(probe)) {
      return `${osName(probe)} ships no Docker Engine (its container tool is podman): choose Docker’s repository (source "docker-repo")`;
    }
    if (s.source === 'docker-repo') {
      if (probe.packageBackend === 'apt') {
        if (!aptRelease(probe)) return `Docker’s repository has no release Fleetdeck knows for ${osName(probe)}: choose the distribution’s package (source "distro")`;
        if (!DPKG_ARCH[probe.arch]) return `Docker’s repository has no packages for the ${probe.arch} CPU architecture`;
      } else if (probe.packageBackend !== 'dnf' && probe.packageBackend !== 'yum') {
        return `Docker’s repository has no packages for ${osName(probe)}: choose the distribution’s package (source "distro")`;
      }
    }
    if (s.nvidiaToolkit === 'on' && probe.packageBackend === 'apk') return 'NVIDIA’s container toolkit is not packaged for Alpine (its driver needs glibc): set the NVIDIA toolkit to off';
    return null;
  },
  network(ctx) {
    const { probe } = ctx.facts;
    const s = ctx.settings;
    const parts = [s.source === 'docker-repo' ? `download.docker.com (Docker’s repository and signing key) and ${mirrorName(probe)}` : mirrorName(probe)];
    if (wantsNvidia(probe, s)) parts.push(probe.packageBackend === 'pacman' ? 'nvidia-container-toolkit from the same mirror' : 'nvidia.github.io (NVIDIA’s container toolkit repository and key)');
    return parts.join('; ');
  },
  opens: () => [],
  resources(ctx) {
    const { probe } = ctx.facts;
    const s = ctx.settings;
    const nvidia = wantsNvidia(probe, s);
    const mirror = mirrorName(probe);
    const out: Resource[] = [];
    // apt fetches the repository keys with curl (a minimal image may lack it).
    if (probe.packageBackend === 'apt' && (s.source === 'docker-repo' || nvidia)) {
      out.push({ kind: 'package', label: 'curl and CA certificates (to fetch repository keys)', packages: ['ca-certificates', 'curl'], state: 'present', source: mirror });
    }
    if (s.source === 'docker-repo') out.push(...dockerRepoResources(probe));
    if (nvidia) out.push(...nvidiaRepoResources(probe));
    const engine: Resource =
      s.source === 'docker-repo'
        ? { kind: 'package', label: 'Docker Engine (Docker’s packages)', packages: DOCKER_CE_PACKAGES, state: 'present', source: DOCKER_REPO_SOURCE }
        : { kind: 'package', label: 'Docker Engine', packages: distroPackages(probe)!, state: 'present', source: mirror };
    out.push(engine);
    if (nvidia) out.push({ kind: 'package', label: 'NVIDIA container toolkit', packages: [NVIDIA_PACKAGE], state: 'present', source: probe.packageBackend === 'pacman' ? mirror : NVIDIA_REPO_SOURCE });
    // After the packages: a package that ships its own daemon.json never replaces this one.
    out.push({ kind: 'file', path: DAEMON_JSON, content: renderDaemonJson(probe, s), mode: 0o644, owner: 'root', group: 'root' });
    out.push({ kind: 'unit', name: 'docker', enabled: true, state: 'running', restartOn: [`file:${DAEMON_JSON}`], checkBefore: ['/bin/sh', '-c', VALIDATE, 'sh', DAEMON_JSON] });
    // Only when this plan installs Docker: its rollback removes Docker, so it stops the containers
    // first (rollback walks back newest first: this undo runs before dockerd stops).
    out.push({
      kind: 'command',
      id: 'docker-ready',
      label: 'Wait until dockerd answers (a rollback of this install stops its running containers before Docker is removed)',
      argv: ['/bin/sh', '-c', WAIT_DOCKERD],
      undo: ['/bin/sh', '-c', STOP_CONTAINERS],
      when: [resourceId(engine)],
      timeoutMs: 2 * 60_000,
    });
    // The package made the docker group.
    for (const name of s.admins) out.push(groupCommand(probe, name));
    return out;
  },
  checks(ctx) {
    const { probe } = ctx.facts;
    const s = ctx.settings;
    const driver = cgroupDriverFor(probe, s);
    const checks: Check[] = [
      { kind: 'unit-running', id: 'docker-running', label: 'dockerd is running', unit: 'docker' },
      {
        kind: 'command',
        id: 'docker-socket',
        label: 'The Docker socket /var/run/docker.sock is owned by root and the docker group (mode 660)',
        argv: ['/bin/sh', '-c', 'test -S /var/run/docker.sock && stat -L -c "%U:%G %a" /var/run/docker.sock'],
        expectOutput: 'root:docker 660',
      },
      {
        kind: 'command',
        id: 'docker-info',
        label: `dockerd runs with the ${driver} cgroup driver, json-file logs and live-restore ${s.liveRestore ? 'on' : 'off'}`,
        argv: ['docker', 'info', '--format', '{{.CgroupDriver}} {{.LoggingDriver}} {{.LiveRestoreEnabled}}'],
        expectOutput: `${driver} json-file ${s.liveRestore}`,
      },
      {
        kind: 'file-contains',
        id: 'docker-daemon-json',
        label: `${DAEMON_JSON} is the one Fleetdeck wrote (logs rotated at ${s.logMaxSize}, ${s.logMaxFiles} ${s.logMaxFiles === 1 ? 'file' : 'files'} kept)`,
        path: DAEMON_JSON,
        contains: renderDaemonJson(probe, s),
      },
    ];
    if (wantsNvidia(probe, s)) {
      checks.push(
        { kind: 'command', id: 'docker-nvidia-toolkit', label: 'NVIDIA’s container runtime is installed', argv: ['nvidia-container-runtime', '--version'] },
        { kind: 'command', id: 'docker-nvidia-runtime', label: 'dockerd offers the nvidia runtime', argv: ['docker', 'info', '--format', '{{range $name, $r := .Runtimes}}[{{$name}}]{{end}}'], expectOutput: '[nvidia]' },
      );
    }
    for (const name of s.admins) {
      checks.push({ kind: 'command', id: `docker-group-${name}`, label: `${name} is in the docker group`, argv: ['/bin/sh', '-c', IN_DOCKER_GROUP, 'sh', name] });
    }
    return checks;
  },
  warnings(ctx) {
    const { probe } = ctx.facts;
    const s = ctx.settings;
    const w: string[] = [];
    if (s.admins.length) {
      w.push(`Members of the docker group can become root on this host: ${s.admins.join(', ')} ${s.admins.length === 1 ? 'gets' : 'get'} that power (docker run -v /:/host is a root shell).`);
    }
    const present = dockerPresent(probe);
    const driver = cgroupDriverFor(probe, s);
    if (present?.cgroupDriver && present.cgroupDriver !== driver) {
      w.push(`Docker on this host runs with the ${present.cgroupDriver} cgroup driver; this plan switches it to ${driver}: dockerd restarts, and containers made under the old driver should be re-created.`);
    }
    if (present && s.source === 'docker-repo') {
      w.push('Docker is already installed here: if it is the distribution’s package, Docker’s packages replace it, and a rollback does not put it back.');
    }
    if (present) w.push(`Fleetdeck writes all of ${DAEMON_JSON}: the plan’s diff shows any setting of yours there that it would remove.`);
    if (s.source === 'docker-repo' && (probe.packageBackend === 'dnf' || probe.packageBackend === 'yum') && probe.os.id !== 'fedora') {
      w.push('On RHEL and its rebuilds, podman and runc from the distribution conflict with containerd.io: if the install stops there, remove them first (dnf remove podman runc).');
    }
    if (probe.gpuVendors.includes('nvidia') && s.nvidiaToolkit === 'auto' && probe.packageBackend === 'apk') {
      w.push('This host has an NVIDIA GPU, but NVIDIA’s container toolkit is not packaged for Alpine: containers here get no GPU.');
    }
    if (s.nvidiaToolkit === 'on' && !probe.gpuVendors.includes('nvidia')) {
      w.push('No NVIDIA GPU was seen on this host: the toolkit is installed as asked; containers get a GPU once the NVIDIA driver runs.');
    }
    if (wantsNvidia(probe, s) && driver === 'systemd') {
      w.push('NVIDIA notes that with the systemd cgroup driver, running containers can lose their GPUs after `systemctl daemon-reload` (see its troubleshooting guide).');
    }
    if (!s.liveRestore) w.push('live-restore is off: whenever dockerd restarts (a change of daemon.json restarts it), running containers stop.');
    return w;
  },
});
