import { describe, expect, it } from 'vitest';
import { fakeContext } from './fake-context.test-util.js';
import { parseSudoList, readSudoRights, SUDO_CACHE_MS } from './sudo-rights.js';

/** `sudo -n -l -U USER` as root prints these (sudo 1.9.13, Debian 12). */
const DEFAULTS = 'Matching Defaults entries for u on host:\n    env_reset, mail_badpass, secure_path=/usr/local/sbin\\:/usr/bin, use_pty\n\n';
const list = (user: string, ...specs: string[]) => `${DEFAULTS}User ${user} may run the following commands on host:\n${specs.map((s) => `    ${s}`).join('\n')}\n`;

describe('parseSudoList: who can become root, in sudo\'s own words', () => {
  it.each([
    ['NOPASSWD everything', list('admin', '(ALL) NOPASSWD: ALL'), 'all'],
    ['with a password', list('carol', '(ALL) ALL'), 'all'],
    ['runas user and group', list('root', '(ALL : ALL) ALL'), 'all'],
    ['as root only', list('ops', '(root) SETENV: NOPASSWD: ALL'), 'all'],
    ['listed commands', list('gina', '(root) NOPASSWD: /usr/bin/systemctl restart nginx, /usr/bin/journalctl'), 'some'],
    ['as another user only', list('web', '(www-data) ALL'), 'some'],
    ['several lines, one of them ALL', list('mix', '(root) /usr/bin/apt', '(ALL) NOPASSWD: ALL'), 'all'],
    ['not allowed', 'User nox is not allowed to run sudo on host.\n', 'none'],
  ] as const)('%s → %s', (_, text, want) => {
    expect(parseSudoList(text)).toBe(want);
  });

  it('says nothing it cannot read (an error, another sudo)', () => {
    expect(parseSudoList('sudo: unable to resolve host x\n')).toBeNull();
    expect(parseSudoList('')).toBeNull();
  });
});

describe('readSudoRights', () => {
  it('asks sudo for each account as root; says why when it cannot', async () => {
    const root = fakeContext({
      uid: 0,
      live: true,
      commands: {
        'sudo -n -l -U dave': { code: 0, stdout: list('dave', '(ALL) ALL') },
        'sudo -n -l -U frank': { code: 1, stdout: 'User frank is not allowed to run sudo on h.\n' },
      },
    });
    const r = await readSudoRights(root, ['dave', 'frank']);
    expect(Object.fromEntries(r.rights)).toEqual({ dave: 'all', frank: 'none' });
    expect(root.ran.map((a) => a.join(' ')).sort()).toEqual(['sudo -n -l -U dave', 'sudo -n -l -U frank']);
    expect((await readSudoRights(fakeContext({ uid: 1000, live: true }), ['dave'])).unknownWhy).toMatch(/only root may ask/);
    expect((await readSudoRights(fakeContext({ uid: 0, live: true }), ['dave'])).unknownWhy).toMatch(/sudo is not installed/);
  });

  it('asks again only when one of sudo\'s inputs changed or the cache is ten minutes old', async () => {
    const stamps: Record<string, string> = { '/etc/sudoers': 'a', '/etc/sudoers.d/90-lab': 'x' };
    const ctx = fakeContext({ uid: 0, live: true, files: { '/etc/sudoers.d/90-lab': '' }, commands: { 'sudo -n -l -U dave': { code: 0, stdout: list('dave', '(ALL) ALL') } } });
    ctx.fileStamp = async (p) => stamps[p] ?? null;
    let now = 0;
    const read = async () => (await readSudoRights(ctx, ['dave'], () => now)).rights.get('dave');
    expect(await read()).toBe('all');
    expect(await read()).toBe('all');
    expect(ctx.ran).toHaveLength(1);
    stamps['/etc/sudoers.d/90-lab'] = 'y'; // a rule edited
    await read();
    expect(ctx.ran).toHaveLength(2);
    now += SUDO_CACHE_MS; // sssd's rules are not files here
    await read();
    expect(ctx.ran).toHaveLength(3);
    await readSudoRights(ctx, ['dave', 'erin'], () => now); // another account
    expect(ctx.ran).toHaveLength(5);
  });
});
