import { describe, expect, it } from 'vitest';
import type { HelperContext, RunResult } from '../context.js';
import { apk, apt, dnf, pacman, parseDnfTransaction, parseZypperDryRun, yum, zypper } from './packages.js';

/**
 * The package backends' argv and parsing, on the tools' real output (captured from dnf 4.14,
 * zypper 1.14 and pacman 6.0 on the family test host, e2e/testbed/family-host.ts; apk's from its
 * documented format: apk is not in Debian). The real runs: e2e/integration/change/families.test.ts.
 */
type Reply = Partial<RunResult> | ((argv: string[]) => Partial<RunResult>);

function fakeCtx(replies: Record<string, Reply> = {}) {
  const calls: string[][] = [];
  const answer = (argv: string[]): RunResult => {
    calls.push(argv);
    const key = Object.keys(replies)
      .sort((a, b) => b.length - a.length)
      .find((k) => argv.join(' ').startsWith(k));
    const r = key === undefined ? {} : replies[key]!;
    return { code: 0, stdout: '', stderr: '', ...(typeof r === 'function' ? r(argv) : r) };
  };
  const ctx = {
    root: '/',
    live: true,
    uid: 0,
    env: {},
    readText: async () => null,
    listDir: async () => null,
    readLink: async () => null,
    exists: async () => false,
    statfs: async () => null,
    run: async (argv: string[]) => answer(argv),
    runStreaming: async (argv: string[], o: { onLine?: (l: string, s: 'stdout' | 'stderr') => void }) => {
      const r = answer(argv);
      for (const l of r.stdout.split('\n')) if (l.trim()) o.onLine?.(l, 'stdout');
      return r;
    },
  } as HelperContext;
  return { ctx, calls };
}

const opts = (lines: string[] = []) => ({ env: {}, onLine: (l: string) => lines.push(l) });

// dnf 4.14, `dnf --assumeno install fleetdeck-hello` (exit 1).
const DNF_TABLE = `Last metadata expiration check: 0:00:03 ago on Sun Dec  6 15:29:40 2026.
Dependencies resolved.
================================================================================
 Package               Architecture Version         Repository             Size
================================================================================
Installing:
 fleetdeck-hello       noarch       1.2.3-1         fleetdeck-local       6.0 k

Transaction Summary
================================================================================
Install  1 Package

Total size: 6.0 k
Installed size: 27  
`;

describe('dnf and yum', () => {
  it('dry run: the transaction table without -q (-q hides it), weak dependencies left out like apt recommends', async () => {
    const { ctx, calls } = fakeCtx({ dnf: { code: 1, stdout: DNF_TABLE, stderr: 'Operation aborted.\n' } });
    expect(await dnf.dryRun(ctx, ['fleetdeck-hello'], {})).toEqual({ wouldInstall: [{ name: 'fleetdeck-hello', version: '1.2.3-1' }], problem: null });
    expect(calls[0]).toEqual(['dnf', '--assumeno', '--setopt=install_weak_deps=False', 'install', 'fleetdeck-hello']);
    expect(calls[0]).not.toContain('-q');
  });

  it('dry run: already installed ("Nothing to do", exit 0) and a package no repository has', async () => {
    const done = fakeCtx({ dnf: { code: 0, stdout: 'Package fleetdeck-hello-1.2.3-1.noarch is already installed.\nDependencies resolved.\nNothing to do.\nComplete!\n' } });
    expect(await dnf.dryRun(done.ctx, ['fleetdeck-hello'], {})).toEqual({ wouldInstall: [], problem: null });
    const missing = fakeCtx({ dnf: { code: 1, stdout: 'Last metadata expiration check: 0:00:33 ago.\n', stderr: 'No match for argument: nosuchpkg\nError: Unable to find a match: nosuchpkg\n' } });
    expect((await dnf.dryRun(missing.ctx, ['nosuchpkg'], {})).problem).toMatch(/^(No match for argument|Unable to find a match): nosuchpkg$/);
    const broken = fakeCtx({ dnf: { code: 1, stderr: 'Error: Failed to download metadata for repo \'appstream\': Cannot download repomd.xml\n' } });
    expect((await dnf.dryRun(broken.ctx, ['nginx'], {})).problem).toMatch(/Failed to download metadata/);
  });

  it('parses dependencies, wrapped long names and upgrades; not what it would remove', () => {
    const table = `Dependencies resolved.
================================================================================
 Package                          Arch      Version            Repository  Size
================================================================================
Installing:
 nginx                            x86_64    1:1.20.1-14.el9_2  appstream   36 k
Upgrading:
 openssl-libs                     x86_64    1:3.0.7-25.el9_3   baseos     2.1 M
Installing dependencies:
 nginx-core                       x86_64    1:1.20.1-14.el9_2  appstream  567 k
 python3-a-very-long-package-name-that-wraps
                                  noarch    2.3-1.el9          appstream   12 k
     replacing  old-thing.noarch 1.0-1
Installing weak dependencies:
 nginx-mod-extra                  noarch    1:1.20.1-14.el9_2  appstream   10 k
Removing:
 conflicting-thing                noarch    1.0-1              @System     1 k

Transaction Summary
================================================================================
Install  4 Packages
`;
    expect(parseDnfTransaction(table)).toEqual([
      { name: 'nginx', version: '1:1.20.1-14.el9_2' },
      { name: 'openssl-libs', version: '1:3.0.7-25.el9_3' },
      { name: 'nginx-core', version: '1:1.20.1-14.el9_2' },
      { name: 'python3-a-very-long-package-name-that-wraps', version: '2.3-1.el9' },
      { name: 'nginx-mod-extra', version: '1:1.20.1-14.el9_2' },
    ]);
  });

  it('installed: rpm -q with a version-release format, per package', async () => {
    const { ctx, calls } = fakeCtx({
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n fleetdeck-hello': { stdout: '1.2.3-1\n' },
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n kernel': { stdout: '5.14.0-362.8.1.el9_3\n5.14.0-362.13.1.el9_3\n' },
      'rpm -q --qf %{VERSION}-%{RELEASE}\\n nope': { code: 1, stdout: 'package nope is not installed\n' },
    });
    expect(await dnf.installed(ctx, ['fleetdeck-hello', 'kernel', 'nope'])).toEqual({ 'fleetdeck-hello': '1.2.3-1', kernel: '5.14.0-362.8.1.el9_3', nope: null });
    expect(calls[0]).toEqual(['rpm', '-q', '--qf', '%{VERSION}-%{RELEASE}\\n', 'fleetdeck-hello']);
  });

  it('install and remove: -y; remove only what is installed, nothing run when nothing is', async () => {
    const { ctx, calls } = fakeCtx({ 'rpm -q --qf %{VERSION}-%{RELEASE}\\n gone': { code: 1, stdout: 'package gone is not installed\n' }, 'rpm -q': { stdout: '1.0-1\n' } });
    await dnf.install(ctx, ['a'], opts());
    await dnf.remove(ctx, ['a', 'gone'], opts());
    const lines: string[] = [];
    expect((await dnf.remove(ctx, ['gone'], opts(lines))).code).toBe(0);
    expect(lines).toEqual(['gone: not installed, nothing to remove']);
    expect(calls.filter((c) => c[0] === 'dnf')).toEqual([
      ['dnf', '-y', '--setopt=install_weak_deps=False', 'install', 'a'],
      ['dnf', '-y', 'remove', 'a'],
    ]);
  });

  it('yum (CentOS 7) has no weak dependencies: no setopt', async () => {
    const { ctx, calls } = fakeCtx({ yum: { code: 1, stdout: DNF_TABLE } });
    expect((await yum.dryRun(ctx, ['fleetdeck-hello'], {})).wouldInstall).toEqual([{ name: 'fleetdeck-hello', version: '1.2.3-1' }]);
    await yum.install(ctx, ['a'], opts());
    expect(calls).toEqual([
      ['yum', '--assumeno', 'install', 'fleetdeck-hello'],
      ['yum', '-y', 'install', 'a'],
    ]);
  });

  it('says another dnf holds the lock: worth retrying', () => {
    expect(dnf.transient({ code: 1, stdout: '', stderr: 'Waiting for process with pid 1234 to finish.' })).toBe(true);
    expect(dnf.transient({ code: 1, stdout: '', stderr: 'Error: Unable to find a match: x' })).toBe(false);
  });
});

// zypper 1.14, `zypper --xmlout --non-interactive --no-refresh install --dry-run --no-recommends …`.
const ZYPPER_XML = `<?xml version='1.0'?>
<stream>
<message type="info">Loading repository data...</message>
<message type="info">Reading installed packages...</message>
<message type="info">Resolving package dependencies...</message>
<install-summary download-size="6170" space-usage-diff="27" packages-to-change="1">
<to-install>
<solvable type="package" name="fleetdeck-hello" edition="1.2.3-1" arch="noarch" summary="Fleetdeck test package">
<description>A file under /usr/share/fleetdeck-hello, nothing else.</description></solvable>
</to-install>
</install-summary>
<prompt id="0">
<text>Continue?</text>
<option default="1" value="y" desc="Yes, accept the summary and proceed with installation/removal of packages."/>
</prompt>
</stream>
`;
const ZYPPER_NOT_FOUND = `<?xml version='1.0'?>
<stream>
<message type="info">Loading repository data...</message>
<message type="info">&apos;nosuchpkg&apos; not found in package names. Trying capabilities.</message>
<message type="error">No provider of &apos;nosuchpkg&apos; found.</message>
</stream>
`;
const ZYPPER_NOTHING = `<?xml version='1.0'?>
<stream>
<message type="info">&apos;fleetdeck-release&apos; is already installed.</message>
<install-summary download-size="0" space-usage-diff="0" packages-to-change="0">
</install-summary>
<message type="info">Nothing to do.</message>
</stream>
`;

describe('zypper', () => {
  it('dry run: the XML summary (versions too), without refreshing', async () => {
    const { ctx, calls } = fakeCtx({ zypper: { stdout: ZYPPER_XML } });
    expect(await zypper.dryRun(ctx, ['fleetdeck-hello'], {})).toEqual({ wouldInstall: [{ name: 'fleetdeck-hello', version: '1.2.3-1' }], problem: null });
    expect(calls[0]).toEqual(['zypper', '--xmlout', '--non-interactive', '--no-refresh', 'install', '--dry-run', '--no-recommends', 'fleetdeck-hello']);
  });

  it('dry run: not found (exit 104) says the error; nothing to do is no problem', async () => {
    const nf = fakeCtx({ zypper: { code: 104, stdout: ZYPPER_NOT_FOUND } });
    expect(await zypper.dryRun(nf.ctx, ['nosuchpkg'], {})).toEqual({ wouldInstall: [], problem: "No provider of 'nosuchpkg' found." });
    expect(parseZypperDryRun(ZYPPER_NOTHING)).toEqual({ wouldInstall: [], problem: null });
    const other = fakeCtx({ zypper: { code: 8, stdout: '<stream></stream>' } });
    expect((await zypper.dryRun(other.ctx, ['x'], {})).problem).toBe('zypper --dry-run exited 8');
  });

  it('install: non-interactive, licenses agreed; exit codes 100-103 are success', async () => {
    for (const code of [0, 100, 101, 102, 103]) {
      const lines: string[] = [];
      const { ctx, calls } = fakeCtx({ zypper: { code } });
      expect((await zypper.install(ctx, ['fleetdeck-hello'], opts(lines))).code).toBe(0);
      expect(calls[0]).toEqual(['zypper', '--non-interactive', 'install', '--auto-agree-with-licenses', '--no-recommends', 'fleetdeck-hello']);
      if (code === 102) expect(lines.join('\n')).toMatch(/reboot/);
    }
  });

  it('install: 106/107 succeed only when rpm says the package is in; 104 and 105 fail', async () => {
    const inThere = fakeCtx({ zypper: { code: 106 }, 'rpm -q': { stdout: '1.2.3-1\n' } });
    expect((await zypper.install(inThere.ctx, ['fleetdeck-hello'], opts())).code).toBe(0);
    const scriptFailed = fakeCtx({ zypper: { code: 107 }, 'rpm -q': { stdout: '1.2.3-1\n' } });
    expect((await zypper.install(scriptFailed.ctx, ['fleetdeck-hello'], opts())).code).toBe(0);
    const notThere = fakeCtx({ zypper: { code: 106 }, 'rpm -q': { code: 1, stdout: 'package fleetdeck-hello is not installed\n' } });
    expect((await zypper.install(notThere.ctx, ['fleetdeck-hello'], opts())).code).toBe(106);
    for (const code of [104, 105, 8]) {
      const { ctx } = fakeCtx({ zypper: { code }, 'rpm -q': { stdout: '1.2.3-1\n' } });
      expect((await zypper.install(ctx, ['fleetdeck-hello'], opts())).code).toBe(code);
    }
  });

  it('remove: only what is installed (zypper remove of a missing package exits 104)', async () => {
    const { ctx, calls } = fakeCtx({ 'rpm -q --qf %{VERSION}-%{RELEASE}\\n a': { stdout: '1-1\n' }, 'rpm -q': { code: 1 } });
    expect((await zypper.remove(ctx, ['a', 'b'], opts())).code).toBe(0);
    expect(calls.filter((c) => c[0] === 'zypper')).toEqual([['zypper', '--non-interactive', 'remove', '--clean-deps', 'a']]);
  });

  it('says the lock is held: worth retrying', () => {
    expect(zypper.transient({ code: 7, stdout: 'System management is locked by the application with pid 812 (zypper).', stderr: '' })).toBe(true);
  });
});

describe('pacman', () => {
  it('installed: pacman -Q per package', async () => {
    const { ctx, calls } = fakeCtx({ 'pacman -Q fleetdeck-hello': { stdout: 'fleetdeck-hello 1.2.3-1\n' }, 'pacman -Q nope': { code: 1, stderr: "error: package 'nope' was not found\n" } });
    expect(await pacman.installed(ctx, ['fleetdeck-hello', 'nope'])).toEqual({ 'fleetdeck-hello': '1.2.3-1', nope: null });
    expect(calls).toEqual([
      ['pacman', '-Q', 'fleetdeck-hello'],
      ['pacman', '-Q', 'nope'],
    ]);
  });

  it('dry run: --print names and versions; installed already prints nothing; target not found', async () => {
    const { ctx, calls } = fakeCtx({ pacman: { stdout: 'fleetdeck-hello 1.2.3-1\n' } });
    expect(await pacman.dryRun(ctx, ['fleetdeck-hello'], {})).toEqual({ wouldInstall: [{ name: 'fleetdeck-hello', version: '1.2.3-1' }], problem: null });
    expect(calls[0]).toEqual(['pacman', '-S', '--print', '--print-format', '%n %v', '--needed', '--noconfirm', 'fleetdeck-hello']);
    expect(await pacman.dryRun(fakeCtx({ pacman: { stdout: '' } }).ctx, ['fleetdeck-hello'], {})).toEqual({ wouldInstall: [], problem: null });
    expect((await pacman.dryRun(fakeCtx({ pacman: { code: 1, stderr: 'error: target not found: nosuchpkg\n' } }).ctx, ['nosuchpkg'], {})).problem).toBe('target not found: nosuchpkg');
  });

  it('install --needed --noconfirm; remove only what is installed (pacman -R of a missing one fails)', async () => {
    const { ctx, calls } = fakeCtx({ 'pacman -Q a': { stdout: 'a 1-1\n' }, 'pacman -Q b': { code: 1 } });
    await pacman.install(ctx, ['a'], opts());
    await pacman.remove(ctx, ['a', 'b'], opts());
    expect(calls.filter((c) => c[1] !== '-Q')).toEqual([
      ['pacman', '-S', '--noconfirm', '--needed', 'a'],
      ['pacman', '-Rs', '--noconfirm', 'a'],
    ]);
    expect(pacman.transient({ code: 1, stdout: '', stderr: 'error: failed to init transaction (unable to lock database)' })).toBe(true);
  });
});

describe('apk (unit-tested only: apk is not in Debian)', () => {
  it('installed: apk info -e -v prints name-version', async () => {
    const { ctx, calls } = fakeCtx({ 'apk info -e -v nginx': { stdout: 'nginx-1.24.0-r15\n' }, 'apk info -e -v nope': { code: 1 } });
    expect(await apk.installed(ctx, ['nginx', 'nope'])).toEqual({ nginx: '1.24.0-r15', nope: null });
    expect(calls[0]).toEqual(['apk', 'info', '-e', '-v', 'nginx']);
  });

  it('dry run: --simulate lines, upgrades at their new version; the error with its reason', async () => {
    const out = '(1/3) Installing pcre2 (10.42-r1)\n(2/3) Upgrading musl (1.2.4-r1 -> 1.2.4-r2)\n(3/3) Installing nginx (1.24.0-r15)\nOK: 12 MiB in 30 packages\n';
    const { ctx, calls } = fakeCtx({ apk: { stdout: out } });
    expect(await apk.dryRun(ctx, ['nginx'], {})).toEqual({
      wouldInstall: [
        { name: 'pcre2', version: '10.42-r1' },
        { name: 'musl', version: '1.2.4-r2' },
        { name: 'nginx', version: '1.24.0-r15' },
      ],
      problem: null,
    });
    expect(calls[0]).toEqual(['apk', 'add', '--simulate', '--no-progress', 'nginx']);
    const err = 'ERROR: unable to select packages:\n  nosuch (no such package):\n    required by: world[nosuch]\n';
    expect((await apk.dryRun(fakeCtx({ apk: { code: 1, stderr: err } }).ctx, ['nosuch'], {})).problem).toBe('unable to select packages: nosuch (no such package):; required by: world[nosuch]');
  });

  it('add and del without progress bars; del only what is installed', async () => {
    const { ctx, calls } = fakeCtx({ 'apk info -e -v a': { stdout: 'a-1.0-r0\n' }, 'apk info': { code: 1 } });
    await apk.install(ctx, ['a'], opts());
    await apk.remove(ctx, ['a', 'b'], opts());
    expect(calls.filter((c) => c[1] !== 'info')).toEqual([
      ['apk', 'add', '--no-progress', 'a'],
      ['apk', 'del', '--no-progress', 'a'],
    ]);
    expect(apk.transient({ code: 99, stdout: '', stderr: 'ERROR: Unable to lock database: temporary error (try again later)' })).toBe(true);
  });
});

describe('apt', () => {
  it('remove only what dpkg says is installed (half-removed config-files do not count)', async () => {
    const { ctx, calls } = fakeCtx({ 'dpkg-query': { stdout: 'nginx\tinstall ok installed\t1.22.1-9\nold\tdeinstall ok config-files\t1.0\n' } });
    await apt.remove(ctx, ['nginx', 'old'], opts());
    expect(calls[1]).toEqual(['apt-get', 'remove', '-y', '-q', 'nginx']);
  });
});

describe('apt: what an install pulled in, and what nothing needs any more', () => {
  it('reads the installed names from dpkg-query (half-removed "rc" packages are not installed)', async () => {
    const { parseDpkgInstalled } = await import('./packages.js');
    expect(parseDpkgInstalled('docker.io\tinstall ok installed\nrunc\tinstall ok installed\nnginx\tdeinstall ok config-files\n\n')).toEqual(['docker.io', 'runc']);
  });
  it('reads what autoremove would remove from its simulation (architecture suffixes dropped)', async () => {
    const { parseAptRemovals } = await import('./packages.js');
    const out = 'Reading package lists...\nThe following packages will be REMOVED:\n  containerd runc\nRemv containerd [1.6.20~ds1-1+b1]\nRemv runc [1.1.5+ds1-1+deb12u1]\nRemv libfoo:amd64 [1.0]\n';
    expect(parseAptRemovals(out)).toEqual(['containerd', 'runc', 'libfoo']);
  });
});
