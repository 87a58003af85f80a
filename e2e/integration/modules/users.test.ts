import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src-main/core/cli/main.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';

/**
 * Accounts on a live systemd Debian host, from the CLI as an admin would run them (issue 11):
 * created with the same uid and a key that then really logs in over SSH; locked (the key is
 * refused) and unlocked; a second create refused; the keys written as the user, so a ~/.ssh
 * symlinked to root's directory gets nothing; a CSV preview that changes nothing while a row is
 * wrong; an NSS-only user (libnss-extrausers, as LDAP/SSSD users come through NSS) refused; a delete
 * that stops the user's processes and archives the home, and its rollback that brings both back.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

describe.skipIf(unavailable)('users from the CLI on a live Debian host', () => {
  let deb: DebianHost;
  let dir: string;
  let pub: string;
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...args, `--data-dir=${dir}`], { stdout: { write: (s: string | Uint8Array) => out.push(String(s)) }, stderr: { write: (s: string) => err.push(s) } });
    return { code, out: out.join(''), err: err.join('') };
  };
  const sh = async (script: string) => {
    const r = await deb.exec(['sh', '-c', script]);
    return (r.stdout + r.stderr).trim();
  };
  /** A real SSH login as `user` with the test key. */
  const login = (user: string): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve) => {
      const args = ['-i', deb.users.admin!.keyPath!, '-p', String(deb.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', `${user}@${deb.address}`, 'id -un'];
      const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (code) => (clearTimeout(timer), resolve({ code, out })));
    });

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'users-mod', apt: true });
    dir = mkdtempSync(path.join(tmpdir(), 'fd-users-'));
    pub = readFileSync(`${deb.users.admin!.keyPath!}.pub`, 'utf8').trim();
    await sh('groupadd -f students && groupadd -f gpu');
    expect((await run('hosts', 'add', `admin@${deb.address}`, '-p', String(deb.port), '-i', deb.users.admin!.keyPath!, '--name', 'lab')).code).toBe(0);
  }, 600_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await deb?.stop();
  });

  it('creates alice with uid 1500, her groups, an expiry and a key that then logs in; a second create is refused', async () => {
    const r = await run('users', 'create', 'lab', 'alice', '--uid', '1500', '--full-name', 'Alice Liddell', '--groups', 'students,gpu', '--expires', '2099-12-31', '--key', pub, '--yes', '--accept-new');
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toMatch(/Create user alice \(uid 1500, name "Alice Liddell", groups students, gpu, expires 2099-12-31, 1 SSH key\)/);
    expect(r.out).toMatch(/ok +alice is as wanted\n +alice: uid 1500, expires 2099-12-31, groups students, gpu/);
    expect(await sh('getent passwd alice | cut -d: -f3,5; stat -c %U:%a /home/alice/.ssh /home/alice/.ssh/authorized_keys')).toBe('1500:Alice Liddell\nalice:700\nalice:600');
    expect((await login('alice')).out.trim()).toBe('alice');
    const again = await run('users', 'create', 'lab', 'alice', '--uid', '1500', '--yes');
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/alice already exists on lab: change it with fleetdeck users modify/);
    expect((await run('users', 'list', 'lab', '--keys')).out).toMatch(/^alice:\n {2}SHA256:[A-Za-z0-9+/]{43} ssh-ed25519/m);
    const list = await run('users', 'list', 'lab');
    expect(list.out).toMatch(/^alice +1500 +until 2099-12-31 +students,gpu +\/bin\/sh +1 /m);
  }, 120_000);

  it('locks alice (her key is refused at login), and unlocks her; her own keys outside the block stay', async () => {
    await sh("printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1ice0wnKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA own@key\\n' >> /home/alice/.ssh/authorized_keys");
    const locked = await run('users', 'modify', 'lab', 'alice', '--lock', '--yes');
    expect(locked.code, locked.err + locked.out).toBe(0);
    expect(locked.out).toMatch(/Change user alice: lock/);
    expect((await login('alice')).code).not.toBe(0);
    expect((await run('users', 'list', 'lab')).out).toMatch(/^alice +1500 +locked/m);
    const unlocked = await run('users', 'modify', 'lab', 'alice', '--unlock', '--expires', 'never', '--yes');
    expect(unlocked.code, unlocked.err + unlocked.out).toBe(0);
    expect((await login('alice')).out.trim()).toBe('alice');
    expect(await sh('grep -c own@key /home/alice/.ssh/authorized_keys')).toBe('1');
    // Idempotent: the same change again plans nothing.
    expect((await run('users', 'modify', 'lab', 'alice', '--unlock', '--expires', 'never', '--key', pub, '--yes')).out).toMatch(/Nothing to change on lab/);
    expect((await run('users', 'modify', 'lab', 'nobody-here', '--shell', '/bin/sh', '--yes')).err).toMatch(/There is no account nobody-here on lab: create it with/);
  }, 120_000);

  it("writes keys as the user: alice's ~/.ssh pointing at root's gets nothing, and the step says why", async () => {
    await sh('mv /home/alice/.ssh /home/alice/ssh.bak && ln -s /root/.ssh /home/alice/.ssh && mkdir -p /root/.ssh && touch /root/.ssh/authorized_keys && chmod 700 /root/.ssh');
    const before = await sh('sha256sum /root/.ssh/authorized_keys');
    const r = await run('users', 'modify', 'lab', 'alice', '--key', pub.replace(/\S+$/, 'planted'), '--yes');
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toMatch(/as the user failed .*Permission denied/);
    expect(await sh('sha256sum /root/.ssh/authorized_keys')).toBe(before);
    await sh('rm /home/alice/.ssh && mv /home/alice/ssh.bak /home/alice/.ssh');
  }, 120_000);

  it('CSV: a preview that changes nothing while a row is wrong; --skip-bad applies the good rows', async () => {
    const csv = path.join(dir, 'students.csv');
    writeFileSync(csv, ['name,full_name,email,groups,public_key,expires', `bob,Bob,bob@uni.example,students,${pub},2099-06-30`, 'Eve Evil,Eve,,,,', 'alice,Alice,,,,', 'dave,"Dave, Jr",,,,'].join('\n'));
    const preview = await run('users', 'import', 'lab', csv, '--yes');
    expect(preview.code).toBe(1);
    expect(preview.out).toMatch(/line 2 +bob +ok: Create user bob/);
    expect(preview.out).toMatch(/line 3 +Eve Evil +WRONG: name: /);
    expect(preview.out).toMatch(/line 4 +alice +ok: /);
    expect(preview.out).toMatch(/line 5 +dave +WRONG: full_name: /);
    expect(preview.out).toMatch(/Nothing was changed/);
    expect(await sh('getent passwd bob || echo none')).toBe('none');
    const applied = await run('users', 'import', 'lab', csv, '--skip-bad', '--yes');
    expect(applied.code, applied.out + applied.err).toBe(0);
    expect((await login('bob')).out.trim()).toBe('bob');
  }, 120_000);

  it('an account that comes through NSS (as LDAP/SSSD ones do) is read-only here', async () => {
    await sh("apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq libnss-extrausers >/dev/null 2>&1; mkdir -p /var/lib/extrausers && echo 'ldapuser:x:5001:5001:Directory User:/home/ldapuser:/bin/bash' > /var/lib/extrausers/passwd && sed -i 's/^passwd:.*/passwd: files extrausers/' /etc/nsswitch.conf");
    expect(await sh('getent passwd ldapuser | cut -d: -f1')).toBe('ldapuser');
    const r = await run('users', 'modify', 'lab', 'ldapuser', '--shell', '/bin/sh', '--yes');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ldapuser comes from LDAP\/SSSD \(not \/etc\/passwd\).*Change it in the directory/);
  }, 180_000);

  it('deletes alice with her home archived (her running process stopped first); the rollback brings both back', async () => {
    await sh("echo 'thesis draft' > /home/alice/thesis.txt && chown alice:alice /home/alice/thesis.txt && runuser -u alice -- sh -c 'sleep 600 >/dev/null 2>&1 &'");
    const r = await run('users', 'delete', 'lab', 'alice', '--archive', '--yes');
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toMatch(/Delete user alice \(uid 1500\), archiving \/home\/alice first/);
    expect(r.out, r.out).toMatch(/alice has \d+ process(es)? running: stopped \(SIGKILL\) first/);
    expect(await sh('getent passwd alice || echo gone; test -d /home/alice || echo no-home; ls /var/lib/fleetdeck/archive | grep -c "^alice-1500-"')).toBe('gone\nno-home\n1');
    const journals = (await run('modules', 'journals', 'lab')).out.split('\n')[0]!.split(/\s+/)[0]!;
    const back = await run('modules', 'rollback', 'lab', journals, '--yes');
    expect(back.code, back.out + back.err).toBe(0);
    expect(back.out).toMatch(/lab: rolled-back/);
    expect(await sh('id -u alice; stat -c %U /home/alice/thesis.txt; cat /home/alice/thesis.txt; id -nG alice')).toBe('1500\nalice\nthesis draft\nalice students gpu');
    expect((await login('alice')).out.trim()).toBe('alice');
  }, 180_000);

  it('offboards the expired: bob is listed, then locked, his home archived, his limits taken away; a second offboard changes nothing', async () => {
    expect((await run('users', 'modify', 'lab', 'bob', '--expires', '2020-01-31', '--yes')).code).toBe(0);
    const limited = await run('limits', 'apply', 'lab', '--user', 'bob', '--memory', '64M', '--yes');
    expect(limited.code, limited.out).toBe(0);
    const expired = await run('users', 'list', 'lab', '--expired');
    expect(expired.out).toMatch(/^bob +\d+ +expired 2020-01-31/m);
    expect(expired.out).toMatch(/Offboard them: fleetdeck users offboard lab --expired/);
    const r = await run('users', 'offboard', 'lab', '--expired', '--yes');
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toMatch(/Archive bob's home to \/var\/lib\/fleetdeck\/archive\/bob-offboarded-DATE\.tar\.gz/);
    expect(r.out).toMatch(/Remove \/etc\/systemd\/system\/user-\d+\.slice\.d\/50-fleetdeck-limits\.conf/);
    expect(await sh("passwd -S bob | cut -d' ' -f2; test -d /home/bob && echo home-kept; ls /var/lib/fleetdeck/archive | grep -c '^bob-offboarded-'")).toBe('L\nhome-kept\n1');
    expect((await login('bob')).code).not.toBe(0);
    expect((await run('limits', 'show', 'lab')).out).not.toMatch(/^bob:/m);
    const again = await run('users', 'offboard', 'lab', 'bob', '--yes');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/Nothing to change/i);
  }, 180_000);

  it("CSV with a profile column: an unknown profile is a wrong row; the new account then takes its row's profile as its limits", async () => {
    const policy = path.join(dir, 'limits.json');
    writeFileSync(policy, JSON.stringify({ profiles: { student: { memory: '96M', tasks: 200 } }, users: [] }));
    expect((await run('modules', 'apply', 'lab', 'limits', '--settings-file', policy, '--yes')).code).toBe(0);
    const csv = path.join(dir, 'class.csv');
    writeFileSync(csv, ['name,full_name,profile', 'gina,Gina,student', 'hank,Hank,nosuch'].join('\n'));
    const r = await run('users', 'import', 'lab', csv, '--skip-bad', '--yes');
    expect(r.out).toMatch(/line 3 +hank +WRONG: there is no limits profile "nosuch" on lab \(there: student\)/);
    expect(r.out).toMatch(/line 2 +gina +ok: Create user gina.*then limits profile student/);
    expect(r.code, r.err + r.out.slice(-2000)).toBe(0);
    expect(r.out).toMatch(/Limits profiles for 1 new account/);
    const uid = await sh('id -u gina');
    expect(await sh(`cat /etc/systemd/system/user-${uid}.slice.d/50-fleetdeck-limits.conf | grep -E 'MemoryMax|TasksMax'`)).toBe('MemoryMax=100663296\nTasksMax=200');
    expect((await run('limits', 'show', 'lab')).out).toMatch(/^gina: memory 96M, 200 tasks +\(memory from profile student, tasks from profile student\)/m);
  }, 180_000);

  it('groups: made with a gid, joined, removed with its members kept aside, and made again by the rollback', async () => {
    const made = await run('groups', 'create', 'lab', 'physics', '--gid', '3000', '--yes');
    expect(made.code, made.err + made.out).toBe(0);
    expect((await run('groups', 'create', 'lab', 'physics', '--gid', '3000', '--yes')).out).toMatch(/Nothing to change/i);
    expect((await run('users', 'modify', 'lab', 'gina', '--groups', 'physics', '--yes')).code).toBe(0);
    expect((await run('groups', 'list', 'lab')).out).toMatch(/^physics +3000 +gina$/m);
    expect((await run('groups', 'create', 'lab', 'bad;name', '--yes')).code).toBe(2);
    const gone = await run('groups', 'delete', 'lab', 'physics', '--yes');
    expect(gone.code, gone.err + gone.out).toBe(0);
    expect(await sh('getent group physics || echo gone; id -nG gina')).toBe('gone\ngina');
    const journal = (await run('modules', 'journals', 'lab')).out.split('\n')[0]!.split(/\s+/)[0]!;
    expect((await run('modules', 'rollback', 'lab', journal, '--yes')).code).toBe(0);
    expect(await sh('getent group physics')).toBe('physics:x:3000:gina');
  }, 120_000);

  it('creates frank on two hosts with one uid: the lowest free on both', async () => {
    const other = await startDebianHost({ name: 'users-mod2' });
    try {
      await other.exec(['useradd', '--uid', '1003', 'taken']);
      expect((await run('hosts', 'add', `admin@${other.address}`, '-p', String(other.port), '-i', other.users.admin!.keyPath!, '--name', 'lab2')).code).toBe(0);
      const r = await run('users', 'create', 'lab,lab2', 'frank', '--groups', 'students', '--yes', '--accept-new');
      expect(r.out).toMatch(/frank gets uid (\d+) on lab, lab2: the lowest free on all of them/);
      const uid = /gets uid (\d+)/.exec(r.out)![1];
      // lab2 has no "students" group: refused there at plan time, before either host changed.
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/Group students does not exist on this host/);
      expect(await sh('getent passwd frank || echo none')).toBe('none');
      await other.exec(['groupadd', 'students']);
      const again = await run('users', 'create', 'lab,lab2', 'frank', '--groups', 'students', '--yes');
      expect(again.code, again.err + again.out).toBe(0);
      expect(await sh('getent passwd frank | cut -d: -f3')).toBe(uid);
      expect(((await other.exec(['getent', 'passwd', 'frank'])).stdout.split(':')[2])).toBe(uid);
      expect(Number(uid)).toBeGreaterThan(1003); // 1003 is taken on lab2
      // Fleet-wide: one table with the host, and a name whose uid differs between hosts said.
      await other.exec(['useradd', '--uid', '1700', 'bob']);
      const list = await run('users', 'list', 'lab,lab2');
      expect(list.code, list.err).toBe(0);
      expect(list.out).toMatch(new RegExp(`^lab2 +frank +${uid} +active`, 'm'));
      expect(list.out).toMatch(/^bob has different uids: \d+ on lab, 1700 on lab2/m);
      expect(list.out).not.toMatch(/frank has different uids/);
      const both = await run('users', 'create', 'lab,lab2', 'frank', '--yes');
      expect(both.err).toMatch(/frank already exists on lab \(uid \d+\): nothing was changed on any host/);
    } finally {
      await other.stop();
    }
  }, 300_000);
});
