import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli/command.js';
import { main } from '../cli/main.js';
import { policyWith, userEntry } from './limits.cli.js';

const io = (): CliIo & { out: string[]; err: string[] } => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: { write: (s: string | Uint8Array) => out.push(String(s)) }, stderr: { write: (s: string) => err.push(s) } };
};

describe('fleetdeck limits (no host needed)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fd-limits-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads one user's limits from the flags, sizes and devices as people write them", () => {
    expect(userEntry({ user: 'alice', cpu: '2', memory: '8G', 'io-read': ['/dev/sda=100M'], 'io-write': '/dev/sda=50M' })).toEqual({ user: 'alice', cpu: '2', memory: '8G', io: [{ device: '/dev/sda', read: '100M', write: '50M' }] });
    expect(() => userEntry({ memory: '8G' })).toThrow(/Name the user \(--user NAME\) or the group/);
    expect(userEntry({ group: 'students', memory: '8G' })).toEqual({ group: 'students', memory: '8G' });
    expect(() => userEntry({ user: 'alice', group: 'students' })).toThrow(/--user or --group, not both/);
    expect(() => userEntry({ user: 'alice;reboot' })).toThrow(/--user: An account name/);
    expect(() => userEntry({ user: 'alice', memory: 'lots' })).toThrow(/--memory: Memory is a size such as 512M/);
    expect(() => userEntry({ user: 'alice', 'io-read': '/dev/sda' })).toThrow(/--io-read takes DEVICE=SIZE/);
    expect(() => userEntry({ user: 'alice', 'io-read': '/etc/passwd=1M' })).toThrow(/under \/dev/);
  });

  it("merges into the host's policy: others keep theirs, the user's earlier values stay unless given again; --clear takes them out", () => {
    const current = { profiles: { student: { cpu: 2 } }, users: [{ user: 'bob', memory: '4G' }, { user: 'alice', profile: 'student', tasks: 100 }] };
    const merged = policyWith(current, { user: 'alice', memory: '8G' }, false);
    expect(merged.users).toEqual([{ user: 'bob', memory: 4 * 1024 ** 3 }, { user: 'alice', profile: 'student', tasks: 100, memory: 8 * 1024 ** 3 }]);
    expect(policyWith(current, { user: 'carol', cpu: '1' }, false).users.map((u) => u.user)).toEqual(['bob', 'alice', 'carol']);
    expect(policyWith(current, { user: 'bob' }, true).users.map((u) => u.user)).toEqual(['alice']);
    expect(() => policyWith(current, { user: 'carol' }, true)).toThrow(/carol has no limits in this host's policy/);
    expect(() => policyWith(current, { user: 'carol', profile: 'staff' }, false)).toThrow(/no profile "staff".*profiles on this host: student/);
    expect(() => policyWith(undefined, { user: 'carol', profile: 'staff' }, false)).toThrow(/this host has no profiles yet/);
    const withGroup = policyWith(current, { group: 'students', cpu: '1' }, false);
    expect(withGroup.groups).toEqual([{ group: 'students', cpu: 1 }]);
    expect(withGroup.users.map((u) => u.user)).toEqual(['bob', 'alice']);
    expect(policyWith({ ...current, groups: [{ group: 'students', cpu: 1 }] }, { group: 'students' }, true).groups).toEqual([]);
  });

  it('refuses bad flags before connecting to anything (exit 2)', async () => {
    for (const [line, msg] of [
      [['limits', 'apply', 'nohost', '--memory', '8G', '--yes'], /Name the user/],
      [['limits', 'apply', 'nohost', '--group', 'a b', '--yes'], /--group: An account name/],
      [['limits', 'plan', 'nohost', '--user', '../x'], /--user: An account name/],
      [['limits', 'apply', 'nohost', '--user', 'alice', '--cpu', '0', '--yes'], /--cpu: CPU is at least 0.01 cores/],
      [['limits', 'show'], /Name the stored host/],
      [['limits', 'show', 'nohost'], /No stored host is called "nohost"/],
    ] as const) {
      const o = io();
      expect(await main([...line, `--data-dir=${dir}`], o), line.join(' ')).not.toBe(0);
      expect(o.err.join('')).toMatch(msg);
      expect(o.err.join('')).not.toMatch(/agent|connect/i);
    }
  });
});
