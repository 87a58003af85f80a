import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as zm from 'zod/mini';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../../src-common/change/plan.schema.js';
import { resourceSchema, type CommandResource, type GuardResource, type Observed, type Resource, type UnitResource } from '../../../src-common/change/resource.schema.js';
import { sshInfo, sshSettings, type SshSettings } from '../../../src-common/modules/ssh.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { FAMILY_HOSTS, familyFacts, type FamilyHost } from '../change/family-probes.test-util.js';
import type { ChangeModule, HostFacts } from '../change/module.js';
import { desiredState, planSteps, type DesiredState } from '../change/planner.js';
import { ADD_INCLUDE_SCRIPT, HAS_INCLUDE_SCRIPT, INCLUDE_LINE, SETTLE_SCRIPT, SSHD_CONFIG, SSHD_DROP_IN, STOP_TRIAL_NOTE_SCRIPT, STOP_TRIAL_SCRIPT, TRIAL_SCRIPT, dropIn, sshModule, sshUnit } from './ssh.module.js';

/**
 * The ssh module as pure functions of the probe and the login: its plan for every family (the
 * guard around the drop-in, the trial sshd, the reload), the drop-in it renders, what it refuses
 * because it would lock Fleetdeck out, its settings refusing hostile input, and its fixed shell
 * scripts run for real with "$1" arguments (the trial sshd too, on a config of its own). Live:
 * e2e/integration/modules/ssh.test.ts.
 */
const FAMILIES = Object.keys(FAMILY_HOSTS) as FamilyHost[];

function settings(over: Record<string, unknown> = {}): SshSettings {
  return sshSettings.parse({ ...sshInfo.defaults, ...over });
}
function desired(facts: HostFacts, over: Record<string, unknown> = {}): DesiredState {
  return desiredState([{ module: sshModule as ChangeModule, settings: settings(over) }], facts, new Set());
}
const resources = (d: DesiredState) => d.items.map((i) => i.resource);
const command = (d: DesiredState, id: string) => resources(d).find((r): r is CommandResource => r.kind === 'command' && r.id === id)!;
const guard = (d: DesiredState, id: string) => resources(d).find((r): r is GuardResource => r.kind === 'guard' && r.id === id)!;

/** A host as Debian ships it: sshd_config includes the drop-ins already, no drop-in of ours yet. */
function fresh(d: DesiredState, hasInclude = true): Observed[] {
  return resources(d).map((r): Observed => {
    switch (r.kind) {
      case 'file':
        return { kind: 'file', exists: false, sha256: null, text: null, mode: null, owner: null, group: null };
      case 'unit':
        return { kind: 'unit', exists: true, enabled: true, running: true };
      case 'command':
        return { kind: 'command', done: r.unless ? hasInclude : null };
      case 'package':
        return { kind: 'package', installed: {}, wouldInstall: null, dryRunProblem: null };
      default:
        return { kind: 'guard' };
    }
  });
}
function applied(d: DesiredState): Observed[] {
  return resources(d).map((r, i): Observed => (r.kind === 'file' ? { kind: 'file', exists: true, sha256: null, text: r.content, mode: r.mode ?? 0o644, owner: 'root', group: 'root' } : fresh(d)[i]!));
}
function refusal(facts: HostFacts, over: Record<string, unknown>): FleetdeckError {
  try {
    desired(facts, over);
  } catch (err) {
    expect(err).toBeInstanceOf(FleetdeckError);
    return err as FleetdeckError;
  }
  throw new Error('expected the plan to be refused');
}

describe('ssh settings', () => {
  it('the defaults are valid and are what the form starts with', () => {
    expect(settings()).toEqual({ keyOnly: true, permitRootLogin: 'no', allowUsers: [], allowGroups: [], modernCiphers: true, x11Forwarding: false, trialPort: 22022, revertAfterSeconds: 120 });
    expect(sshInfo.fields.map((f) => f.key).sort()).toEqual(Object.keys(sshInfo.defaults).sort());
  });

  it('takes users and groups as a list or as one line of names', () => {
    expect(settings({ allowUsers: 'admin, alice  bob' }).allowUsers).toEqual(['admin', 'alice', 'bob']);
    expect(settings({ allowGroups: [' sshusers '], trialPort: '2222', revertAfterSeconds: '60' })).toMatchObject({ allowGroups: ['sshusers'], trialPort: 2222, revertAfterSeconds: 60 });
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a shell command as a user', { allowUsers: ['admin; rm -rf /'] }, /account name/],
    ['a pattern (every user)', { allowUsers: ['*'] }, /account name/],
    ['a user@host pattern', { allowUsers: ['admin@10.0.0.1'] }, /account name/],
    ['a Match block smuggled in a name', { allowUsers: ['admin\nMatch all'] }, /account name/],
    ['a newline in a group', { allowGroups: ['wheel\nPermitRootLogin yes'] }, /account name/],
    ['an option-looking name', { allowUsers: ['-oProxyCommand=x'] }, /account name/],
    ['unicode', { allowUsers: ['ålice'] }, /account name/],
    ['a right-to-left override', { allowGroups: ['whe\u202Eel'] }, /account name/],
    ['an overlong name', { allowUsers: ['a'.repeat(33)] }, /account name/],
    ['a duplicate', { allowUsers: ['admin', 'admin'] }, /listed twice/],
    ['too many users', { allowUsers: Array.from({ length: 65 }, (_, i) => `u${i}`) }, /At most 64/],
    ['a non-list', { allowUsers: 42 }, /user names/],
    ['root login with a password', { permitRootLogin: 'yes' }, /"no" or "prohibit-password"/],
    ['key-only as a word', { keyOnly: 'yes' }, /true or false/],
    ['the trial on port 22', { trialPort: 22 }, /must not be 22/],
    ['a trial port out of range', { trialPort: 70000 }, /1 to 65535/],
    ['a trial port with words', { trialPort: '22022; reboot' }, /1 to 65535/],
    ['a revert too soon', { revertAfterSeconds: 5 }, /at least 30/],
    ['a revert too late', { revertAfterSeconds: 86400 }, /at most 600/],
    ['a fraction of a second', { revertAfterSeconds: 60.5 }, /whole number/],
    ['an unknown setting', { port: 2222 }, /Unrecognized key|port/],
  ];
  it.each(refused)('refuses %s with a message that says what is expected', (_what, over, message) => {
    const r = sshSettings.safeParse({ ...sshInfo.defaults, ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('; ')).toMatch(message);
  });
});

describe('the drop-in', () => {
  it('says keys only, root never, no X11 and takes weak algorithms out of the defaults', () => {
    const text = dropIn(settings());
    expect(text).toMatch(/^# Managed by Fleetdeck \(ssh module\)/);
    for (const line of ['PasswordAuthentication no', 'ChallengeResponseAuthentication no', 'PermitEmptyPasswords no', 'PubkeyAuthentication yes', 'PermitRootLogin no', 'X11Forwarding no', 'Ciphers -*-cbc,arcfour*,rijndael-cbc*']) expect(text.split('\n')).toContain(line);
    expect(text).toMatch(/^MACs -.*hmac-sha2-256,/m);
    expect(text).toMatch(/^KexAlgorithms -\*-sha1,ecdh-sha2-nistp\*/m);
    expect(text).not.toMatch(/AllowUsers|AllowGroups/);
  });

  it('lists users and groups on one line each, and leaves out what is not asked for', () => {
    const text = dropIn(settings({ keyOnly: false, permitRootLogin: 'prohibit-password', allowUsers: ['admin', 'alice'], allowGroups: ['ssh-users'], modernCiphers: false, x11Forwarding: true }));
    expect(text.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', 'AllowUsers admin alice', 'AllowGroups ssh-users', 'X11Forwarding yes']);
  });
});

describe('ssh plan per family', () => {
  it.each(FAMILIES)('%s: arm, include, drop-in, trial, confirm on the trial port, reload, confirm, disarm', (family) => {
    const facts = familyFacts(family);
    const d = desired(facts);
    const unit = family.startsWith('debian') || family.startsWith('ubuntu') ? 'ssh' : 'sshd';
    expect(sshUnit(facts.probe)).toBe(unit);
    for (const r of resources(d)) expect(zm.safeParse(resourceSchema, r).success, JSON.stringify(r)).toBe(true);
    for (const c of sshModule.checks({ facts, settings: settings(), modules: new Set(), ports: [] })) expect(zm.safeParse(checkSchema, c).success, JSON.stringify(c)).toBe(true);
    const steps = planSteps(d, fresh(d, false));
    expect(steps.map((s) => `${s.kind}:${s.action}:${s.kind === 'guard' || s.kind === 'command' ? (s.resource as { id: string }).id : s.kind === 'unit' ? (s.resource as UnitResource).name : ''}`)).toEqual([
      'guard:arm:ssh-revert',
      'command:run:ssh-include',
      'file:create:',
      'command:run:ssh-trial',
      'guard:confirm:ssh-confirm-trial',
      'command:run:ssh-trial-stop',
      `unit:reload:${unit}`,
      'command:run:ssh-settle',
      'guard:confirm:ssh-confirm',
      'guard:disarm:ssh-disarm',
    ]);
    expect(steps.every((s) => s.reversible)).toBe(true);
    const arm = guard(d, 'ssh-revert');
    expect(arm).toMatchObject({ seconds: 120, restore: [SSHD_CONFIG, SSHD_DROP_IN] });
    expect(arm.then!.slice(-3)).toEqual([facts.probe.serviceManager, unit, '/usr/sbin/sshd']);
    expect(guard(d, 'ssh-confirm-trial')).toMatchObject({ port: 22022 });
    expect(guard(d, 'ssh-confirm')).toMatchObject({ port: 0 });
    const reload = steps.find((s) => s.kind === 'unit')!;
    expect(reload.summary).toMatch(new RegExp(`Reload ${unit} .*after /usr/sbin/sshd -t accepts it`));
    expect(steps.find((s) => s.kind === 'file')!.diff).toContain('+PasswordAuthentication no');
  });

  it('a host whose sshd_config includes the drop-ins gets no include step; the trial runs for the drop-in alone', () => {
    const d = desired(familyFacts('debian-12'));
    const steps = planSteps(d, fresh(d, true));
    expect(steps.map((s) => (s.resource as { id?: string }).id ?? s.kind)).toEqual(['ssh-revert', 'file', 'ssh-trial', 'ssh-confirm-trial', 'ssh-trial-stop', 'unit', 'ssh-settle', 'ssh-confirm', 'ssh-disarm']);
  });

  it('plans nothing once applied: no trial, no guard, no reload', () => {
    const d = desired(familyFacts('rocky-9.3'));
    expect(planSteps(d, applied(d))).toEqual([]);
  });

  it('plans only a changed drop-in (and its guard) when a setting changes', () => {
    const facts = familyFacts('debian-12');
    const before = desired(facts);
    const after = desired(facts, { x11Forwarding: true });
    const observed = applied(before);
    const steps = planSteps(after, observed);
    const file = steps.find((s) => s.kind === 'file')!;
    expect(file.action).toBe('update');
    expect(file.diff).toContain('-X11Forwarding no');
    expect(file.diff).toContain('+X11Forwarding yes');
    expect(steps[0]!.kind).toBe('guard');
  });

  it('uses the chosen revert time and trial port', () => {
    const d = desired(familyFacts('alpine-3.23'), { revertAfterSeconds: 45, trialPort: 2200 });
    expect(guard(d, 'ssh-revert').seconds).toBe(45);
    expect(command(d, 'ssh-trial').argv).toContain('2200');
    expect(command(d, 'ssh-trial').argv[4]).toBe('openrc');
  });

  it('refuses on a host without systemd or openrc', () => {
    expect(refusal(familyFacts('debian-12', { serviceManager: 'none' }), {}).problem).toBe('unsupported-os');
  });
});

describe('what would lock Fleetdeck out is refused in the plan', () => {
  it('an allowed-users list without its own login', () => {
    const e = refusal(familyFacts('debian-12'), { allowUsers: ['alice'] });
    expect(e.problem).toBe('invalid-input');
    expect(e.message).toMatch(/must include admin, the account Fleetdeck logs in as/);
    expect(() => desired(familyFacts('debian-12'), { allowUsers: ['alice', 'admin'] })).not.toThrow();
  });

  it('"never" for root when Fleetdeck logs in as root', () => {
    const root: HostFacts = { ...familyFacts('ubuntu-24.04'), user: 'root', uid: 0 };
    expect(refusal(root, {}).message).toMatch(/logs in to gpu-1 as root: "Root login: never" would lock it out/);
    expect(() => desired(root, { permitRootLogin: 'prohibit-password' })).not.toThrow();
  });

  it('key-only when Fleetdeck logs in with a password, saying what to do', () => {
    const withPassword = { ...familyFacts('debian-12'), auth: 'password' } as HostFacts;
    const e = refusal(withPassword, {});
    expect(e.message).toMatch(/with a password: key-only would lock it out\. Put a key in ~admin\/\.ssh\/authorized_keys.*switch the host to key login/);
    expect(() => desired(withPassword, { keyOnly: false })).not.toThrow();
    expect(() => desired({ ...familyFacts('debian-12'), auth: 'key' } as HostFacts, {})).not.toThrow();
  });

  it('warns where only the trial login can tell', () => {
    const facts = familyFacts('rocky-9.3');
    const w = sshModule.warnings({ facts, settings: settings({ allowGroups: ['wheel'] }), modules: new Set(), ports: [] });
    expect(w.join('\n')).toMatch(/admin must be in one of the allowed groups \(wheel\); the trial login proves it/);
    expect(w.join('\n')).toMatch(/crypto policy/);
    expect(w.join('\n')).toMatch(/puts its old sshd configuration back by itself/);
  });
});

describe('checks', () => {
  it('read sshd -T for every setting, the unit, port 22 and the trial port', () => {
    const facts = familyFacts('debian-12');
    const checks = sshModule.checks({ facts, settings: settings({ allowUsers: ['admin', 'a.b'] }), modules: new Set(), ports: [] });
    expect(checks.map((c) => c.id)).toEqual(['ssh-config', 'ssh-effective', 'ssh-algorithms', 'ssh-running', 'ssh-port', 'ssh-trial-gone']);
    expect(checks.every((c) => c.id.startsWith('ssh-'))).toBe(true);
    const eff = checks.find((c) => c.id === 'ssh-effective')! as Extract<(typeof checks)[number], { kind: 'command' }>;
    expect(eff.argv.slice(4)).toEqual(['passwordauthentication no', '(kbdinteractive|challengeresponse)authentication no', 'permitemptypasswords no', 'pubkeyauthentication yes', 'permitrootlogin no', 'allowusers admin', 'allowusers a\\.b', 'x11forwarding no']);
    expect(checks.find((c) => c.id === 'ssh-running')).toMatchObject({ unit: 'ssh' });
    expect(checks.find((c) => c.id === 'ssh-port')).toMatchObject({ port: 22 });
  });
});

const sh = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
const isRoot = process.getuid?.() === 0;

describe('the fixed scripts, run for real', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-ssh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const d = desired(familyFacts('debian-12'));
  /** The same script with its own file instead of /etc/ssh/sshd_config. */
  const on = (argv: string[], file: string) => argv.map((a) => (a === SSHD_CONFIG ? file : a));

  it('adds the include line on top once (mode kept), and takes it off again', () => {
    const conf = path.join(dir, 'sshd_config');
    writeFileSync(conf, '# Debian without drop-ins\nPort 22\nMatch User backup\n  ForceCommand internal-sftp\n');
    chmodSync(conf, 0o600);
    const include = command(d, 'ssh-include');
    expect(sh(on(include.unless!, conf)).status).toBe(1);
    // ADD_INCLUDE_SCRIPT makes /etc/ssh/sshd_config.d itself: run its body on the test file only.
    const add = on(include.argv, conf);
    add[2] = ADD_INCLUDE_SCRIPT.replace(/^mkdir -p .*$/m, ':');
    expect(sh(add).status).toBe(0);
    const text = readFileSync(conf, 'utf8');
    expect(text.split('\n').slice(0, 3)).toEqual([expect.stringMatching(/^# Added by Fleetdeck/), INCLUDE_LINE, '# Debian without drop-ins']);
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    expect(sh(on(include.unless!, conf)).status).toBe(0);
    expect(sh(on(include.undo!, conf)).status).toBe(0);
    expect(readFileSync(conf, 'utf8')).toBe('# Debian without drop-ins\nPort 22\nMatch User backup\n  ForceCommand internal-sftp\n');
    // Taken off only while it is still Fleetdeck's two lines on top.
    writeFileSync(conf, 'Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n');
    expect(sh(on(include.undo!, conf)).status).toBe(0);
    expect(readFileSync(conf, 'utf8')).toBe('Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n');
    expect(sh(['/bin/sh', '-c', HAS_INCLUDE_SCRIPT, 'sh', conf]).status).toBe(0);
    writeFileSync(conf, '  include sshd_config.d/*.conf\n');
    expect(sh(['/bin/sh', '-c', HAS_INCLUDE_SCRIPT, 'sh', conf]).status).toBe(0);
    writeFileSync(conf, '#Include /etc/ssh/sshd_config.d/*.conf\n');
    expect(sh(['/bin/sh', '-c', HAS_INCLUDE_SCRIPT, 'sh', conf]).status).toBe(1);
    // Hostile file names stay arguments.
    expect(sh(['/bin/sh', '-c', HAS_INCLUDE_SCRIPT, 'sh', `${conf}; touch ${dir}/pwned`]).status).not.toBe(0);
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  });

  const sshd = '/usr/sbin/sshd';
  it.runIf(isRoot && existsSync(sshd))('the trial: sshd -t refuses a broken config; a good one runs on 127.0.0.1:<port> until stopped; a busy port is refused', async () => {
    const hostKey = path.join(dir, 'hk');
    expect(sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', hostKey]).status).toBe(0);
    const conf = path.join(dir, 'trial_config');
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    writeFileSync(conf, `HostKey ${hostKey}\nUsePAM no\nPidFile ${dir}/main.pid\nBogusKeyword yes\n`);
    const trial = (p: number) => sh(['/bin/sh', '-c', TRIAL_SCRIPT, 'sh', 'openrc', sshd, conf, String(p), '30']);
    const broken = trial(port);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/sshd -t refused the new configuration: .*Bad configuration option: BogusKeyword/);

    writeFileSync(conf, `HostKey ${hostKey}\nUsePAM no\nPidFile ${dir}/main.pid\n${dropIn(settings())}`);
    const ok = trial(port);
    expect(ok.stdout).toMatch(new RegExp(`listens on 127.0.0.1:${port}`));
    expect(ok.status).toBe(0);
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        const c = connect(port, '127.0.0.1');
        c.once('data', (b) => (c.destroy(), resolve(b.toString())));
        c.once('error', reject);
      });
      expect(banner).toMatch(/^SSH-2\.0-OpenSSH/);
      // A second trial on the same port stops the first one, then listens again.
      expect(trial(port).status).toBe(0);
    } finally {
      const stop = sh(['/bin/sh', '-c', STOP_TRIAL_SCRIPT, 'sh', 'openrc']);
      expect(stop.stdout).toMatch(/the trial sshd stopped/);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync('/run/fleetdeck-ssh-trial.pid')).toBe(false);
    // The port is free again, and a port someone else holds is refused.
    const holder = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const busy = trial(port);
      expect(busy.status).toBe(1);
      expect(busy.stdout).toMatch(/port \d+ is in use on this host already: choose another trial port/);
    } finally {
      holder.close();
    }
  }, 30_000);
});

describe.runIf(isRoot)('after the reload', () => {
  it('a new login waits until sshd listens on new sockets, not on the ones it had before its reload', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-ssh-settle-'));
    try {
      const listen = (port = 0) =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const srv = createServer().listen(port, '127.0.0.1', () => resolve(srv));
        });
      let server = await listen();
      const port = (server.address() as { port: number }).port;
      // An sshd that says which port it listens on (what `sshd -T` says).
      const fakeSshd = path.join(dir, 'sshd');
      writeFileSync(fakeSshd, `#!/bin/sh\necho "port ${port}"\n`, { mode: 0o755 });
      expect(sh(['/bin/sh', '-c', STOP_TRIAL_NOTE_SCRIPT, 'sh', 'openrc', fakeSshd]).status).toBe(0);
      const settle = spawn('/bin/sh', ['-c', SETTLE_SCRIPT, 'sh', fakeSshd]);
      let out = '';
      settle.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((resolve) => settle.on('exit', resolve));
      // The old socket still listens: not yet.
      await new Promise((r) => setTimeout(r, 1500));
      expect(settle.exitCode).toBeNull();
      // The re-exec: the old socket closes, a new one opens on the same port.
      await new Promise((r) => server.close(r));
      server = await listen(port);
      expect(await exited).toBe(0);
      expect(out).toMatch(new RegExp(`sshd listens anew on port ${port} after its reload`));
      server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

// The resource a plan carries must be what the helper validates.
it('every resource and check of a full plan passes the wire schemas', () => {
  const d = desired(familyFacts('arch-linux'), { allowUsers: ['admin'], allowGroups: ['wheel'], keyOnly: false });
  const all: Resource[] = resources(d);
  expect(all.every((r) => zm.safeParse(resourceSchema, r).success)).toBe(true);
});
