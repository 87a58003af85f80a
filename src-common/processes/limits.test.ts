import { describe, expect, it } from 'vitest';
import { processGuard } from './limits.js';

const p = (pid: number, comm: string, command: string, kernelThread = false) => processGuard({ pid, comm, command, kernelThread });

describe('processGuard: what is never killed, and what only with a warning', () => {
  it('pid 1, kernel threads and Fleetdeck helpers (any install dir, user or root) are never offered', () => {
    expect(p(1, 'systemd', '/sbin/init')).toBe('init');
    expect(p(2, 'kthreadd', '[kthreadd]', true)).toBe('kernel');
    expect(p(812, 'node', `/home/admin/.cache/fleetdeck/runtime-node-v20.20.2-linux-x64/bin/node /home/admin/.cache/fleetdeck/helper-${'a'.repeat(64)}/helper.cjs`)).toBe('fleetdeck');
    expect(p(813, 'node', `/usr/bin/node /var/lib/fleetdeck/root/helper-${'b'.repeat(64)}/helper.cjs`)).toBe('fleetdeck');
  });
  it('sshd: the listener and a session are told apart (OpenSSH 8, 9 and 9.8+ titles)', () => {
    expect(p(600, 'sshd', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups')).toBe('sshd-listener');
    expect(p(600, 'sshd', '/usr/sbin/sshd -D')).toBe('sshd-listener');
    expect(p(700, 'sshd', 'sshd: carol@pts/0')).toBe('sshd-session');
    expect(p(701, 'sshd', 'sshd: carol [priv]')).toBe('sshd-session');
    expect(p(702, 'sshd-session', 'sshd-session: carol@notty')).toBe('sshd-session');
  });
  it('everything else, including look-alikes, is an ordinary process', () => {
    expect(p(900, 'python3', 'python3 train.py --out helper.cjs')).toBeNull();
    expect(p(901, 'node', '/tmp/helper-abc/helper.cjs')).toBeNull();
    expect(p(902, 'sshd2', 'sshd: fake')).toBeNull();
  });
});
