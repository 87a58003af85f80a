// A systemd Debian test host that also carries the other distribution families' package tools
// (Debian packages dnf, zypper, pacman + makepkg, rpm, createrepo-c) and openrc, with a tiny
// local repository for each, built inside the host from test/fixtures/packages (nothing is
// downloaded but Debian packages, through the testbed's apt proxy). With /etc/os-release set to
// a family's (setOsRelease), Fleetdeck's probe picks that family's backend and the helper runs
// the real tool: dnf, zypper and pacman install, query and remove for real.
//
// What makes the host behave like the family:
//  - one rpm database in /var/lib/rpm for rpm, dnf and zypper (Debian's rpm keeps its own in
//    ~/.rpmdb, libzypp always reads /var/lib/rpm), holding a release package
//    (fleetdeck-release: system-release(releasever) = 9, as rocky-release says), so dnf knows its
//    release and the database is never empty (libzypp's rpmdb2solv fails on an empty one);
//  - repositories: /etc/yum.repos.d and /etc/zypp/repos.d point at file:///srv/repo/rpm
//    (gpgcheck=0), pacman.conf at file:///srv/repo/pacman (SigLevel = Never); metadata is fetched
//    once, as a real host has it cached;
//  - openrc is installed but systemd stays PID 1: /run/openrc/softlevel says openrc booted, so
//    rc-update and rc-service act on /etc/init.d scripts (the probe still says systemd).
//
// Installing the tools takes 1-2 min on an idle machine (7 min measured on a loaded one), so the
// prepared host is committed as an image (fleetdeck-testbed/family:<hash of the recipe and the
// fixtures>) and later hosts start from it, once startDebianHost takes an `image` option; until
// then every host is prepared anew. Hosts from that image share the SSH host keys of the host it
// was committed from (fine for tests: each Fleet trusts on first use).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDebianHost, type DebianHost, type DebianHostOptions } from './debian-host.js';
import { docker, ensureDockerd } from './docker.js';
import { debianImageTag } from './image.js';
import { repoRoot } from './paths.js';

export type PackageFamily = 'rocky-9.3' | 'opensuse-tumbleweed' | 'arch-linux' | 'debian-12';

/** The Debian packages that bring the other families' tools. */
export const FAMILY_TOOLS = ['dnf', 'zypper', 'pacman-package-manager', 'makepkg', 'rpm', 'createrepo-c', 'libarchive-tools', 'openrc'];

/** The test package in every family's repository. */
export const TEST_PACKAGE = { name: 'fleetdeck-hello', version: '1.2.3-1', file: '/usr/share/fleetdeck-hello/hello.txt', content: 'hello from fleetdeck-hello' };

const FIXTURES = join(repoRoot, 'test/fixtures/packages');
const OS_RELEASE = join(repoRoot, 'test/fixtures/shared/os-release');

/** Run with bash in the host after the tools are installed; fixtures are in $1. */
const SETUP = String.raw`set -eu
F=$1
fail() { echo "$1 failed:"; cat "$2"; exit 1; }
mkdir -p /etc/rpm && echo '%_dbpath /var/lib/rpm' > /etc/rpm/macros
top=$(mktemp -d)
for spec in fleetdeck-release fleetdeck-hello; do
  rpmbuild -bb --define "_topdir $top" "$F/$spec.spec" > "$top/$spec.log" 2>&1 || fail "rpmbuild $spec" "$top/$spec.log"
done
rpm -i "$top"/RPMS/noarch/fleetdeck-release-*.noarch.rpm 2>/dev/null
mkdir -p /srv/repo/rpm && cp "$top"/RPMS/noarch/fleetdeck-hello-*.noarch.rpm /srv/repo/rpm/
createrepo_c -q /srv/repo/rpm
mkdir -p /etc/yum.repos.d /etc/zypp/repos.d
printf '[fleetdeck-local]\nname=Fleetdeck test packages\nbaseurl=file:///srv/repo/rpm\nenabled=1\ngpgcheck=0\n' > /etc/yum.repos.d/fleetdeck-local.repo
printf '[fleetdeck-local]\nname=Fleetdeck test packages\nbaseurl=file:///srv/repo/rpm\nenabled=1\nautorefresh=1\ngpgcheck=0\ntype=rpm-md\n' > /etc/zypp/repos.d/fleetdeck-local.repo
dnf -q makecache > "$top/dnf.log" 2>&1 || fail "dnf makecache" "$top/dnf.log"
zypper --non-interactive refresh > "$top/zypper.log" 2>&1 || fail "zypper refresh" "$top/zypper.log"
# makepkg refuses root: a plain user builds, as on Arch.
b=$(mktemp -d) && cp "$F/PKGBUILD" "$b/" && chown -R admin "$b"
runuser -u admin -- sh -c 'cd "$1" && PKGEXT=.pkg.tar.gz makepkg --nodeps --noconfirm' sh "$b" > "$top/makepkg.log" 2>&1 || fail makepkg "$top/makepkg.log"
mkdir -p /srv/repo/pacman /var/lib/pacman && cp "$b"/fleetdeck-hello-*.pkg.tar.gz /srv/repo/pacman/
repo-add -q /srv/repo/pacman/fleetdeck-local.db.tar.gz /srv/repo/pacman/fleetdeck-hello-*.pkg.tar.gz
printf '\n[fleetdeck-local]\nSigLevel = Never\nServer = file:///srv/repo/pacman\n' >> /etc/pacman.conf
pacman -Sy --noconfirm > "$top/pacman.log" 2>&1 || fail "pacman -Sy" "$top/pacman.log"
cp /etc/os-release /etc/os-release.debian
rm -rf "$top" "$b"
`;

/**
 * At every boot (/run is a tmpfs): openrc's run state as a host it booted has it — its state
 * directories (without them rc-service says "already starting" and fails) and softlevel.
 */
const AT_BOOT = 'rm -rf /run/openrc && cd /run && mkdir -p openrc && cd openrc && mkdir daemons exclusive failed hotplugged inactive options scheduled started starting stopping tmp wasinactive && touch softlevel';

export const FAMILY_IMAGE_REPO = 'fleetdeck-testbed/family';

/** Changes with the base image, the tools, the recipe and the fixtures. */
export function familyImageTag(): string {
  const h = createHash('sha256').update(debianImageTag()).update(FAMILY_TOOLS.join(' ')).update(SETUP);
  for (const f of readdirSync(FIXTURES).sort()) h.update(f).update(readFileSync(join(FIXTURES, f)));
  return `${FAMILY_IMAGE_REPO}:${h.digest('hex').slice(0, 12)}`;
}

export type FamilyHost = DebianHost & {
  /** Writes the family's real /etc/os-release (test/fixtures/shared/os-release); the next probe picks its backend. */
  setOsRelease(family: PackageFamily): Promise<void>;
};

async function ok(host: DebianHost, what: string, argv: string[], input?: string): Promise<string> {
  const r = await host.exec(argv, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${(r.stdout + r.stderr).trim().slice(-3000)}`);
  return r.stdout;
}

async function prepare(host: DebianHost): Promise<void> {
  await ok(host, 'apt-get update', ['apt-get', 'update', '-q']);
  await ok(host, 'installing the family tools', ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...FAMILY_TOOLS]);
  await ok(host, 'mkdir', ['mkdir', '-p', '/srv/fleetdeck-fixtures']);
  for (const f of readdirSync(FIXTURES)) {
    await ok(host, `copying ${f}`, ['sh', '-c', 'cat > "/srv/fleetdeck-fixtures/$1"', 'sh', f], readFileSync(join(FIXTURES, f), 'utf8'));
  }
  await ok(host, 'building the test repositories', ['bash', '-c', SETUP, 'setup', '/srv/fleetdeck-fixtures']);
}

/** Keeps the prepared host as the family image (older family images are dropped). Best effort. */
async function commit(host: DebianHost, tag: string, log: (s: string) => void): Promise<void> {
  const r = await docker(['commit', '-m', 'fleetdeck family test host (e2e/testbed/family-host.ts)', host.containerId, tag], { timeoutMs: 300_000 });
  if (r.code !== 0) return log(`could not keep ${tag}: ${r.stderr.trim()}`);
  const all = await docker(['images', FAMILY_IMAGE_REPO, '--format', '{{.Repository}}:{{.Tag}}']);
  for (const old of all.stdout.split('\n').filter((t) => t && t !== tag)) await docker(['rmi', old]);
}

/** Ready in seconds from the family image; ~1-2 min (up to 7 on a loaded machine) when it is prepared anew. */
export async function startFamilyHost(opts: { name: string; log?: (s: string) => void }): Promise<FamilyHost> {
  const log = opts.log ?? (() => {});
  await ensureDockerd(log);
  const tag = familyImageTag();
  const cached = (await docker(['image', 'inspect', '--format', '{{.Id}}', tag])).code === 0;
  // `image` is honoured once debian-host.ts knows it; the image the container runs says whether it was.
  const options: DebianHostOptions & { image?: string } = { name: opts.name, apt: true, log, ...(cached ? { image: tag } : {}) };
  const host = await startDebianHost(options);
  try {
    const running = (await docker(['inspect', '--format', '{{.Config.Image}}', host.containerId])).stdout.trim();
    if (running !== tag) {
      await prepare(host);
      if (!cached) await commit(host, tag, log);
    }
    await ok(host, 'openrc run state', ['sh', '-c', AT_BOOT]);
  } catch (e) {
    await host.stop().catch(() => {});
    throw e;
  }
  return Object.assign(host, {
    async setOsRelease(family: PackageFamily) {
      const text = family === 'debian-12' ? null : readFileSync(join(OS_RELEASE, family), 'utf8');
      if (text === null) await ok(host, 'restoring os-release', ['cp', '/etc/os-release.debian', '/etc/os-release']);
      // /etc/os-release is a link to ../usr/lib/os-release on Debian: replace the link, not its target.
      else await ok(host, 'writing os-release', ['sh', '-c', 'rm -f /etc/os-release && cat > /etc/os-release'], text);
    },
  });
}
