import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostInputSchema } from '../../../src-common/hosts/host.schema.js';
import { timeAgainstOneMegabyteBound } from '../../../test/fuzz/fuzz.test-util.js';
import {
  importCandidates,
  MAX_IMPORT_CANDIDATES,
  parseProxyJump,
  parseSshConfig,
  resolveHost,
  splitArgs,
  type ParseSshConfigOptions,
  type SshConfigWarning,
  type SshEnv,
} from './ssh-config.js';

const env: SshEnv = { homeDir: '/home/ada', localUser: 'ada', localHostName: 'laptop.local', uid: 1000 };

/** Parses a config given as a string; Include targets come from `files` (absolute path → text). */
function parse(text: string, files: Record<string, string> = {}, extra: Partial<ParseSshConfigOptions> = {}) {
  const warnings: SshConfigWarning[] = [];
  const config = parseSshConfig(text, {
    path: '/home/ada/.ssh/config',
    homeDir: env.homeDir,
    readFile: (p) => files[p] ?? null,
    readDir: () => null,
    warnings,
    ...extra,
  });
  return { config, warnings };
}

const LAB = `
# Lab machines
Host gpu-1 gpu-2
    HostName %h.lab.example.org
    User alice

Host gpu-2
    # Too late for User: the block above already gave gpu-2 one.
    User bob
    Port 2222

Host *.lab.example.org !bastion.lab.example.org
    User never-used-for-aliases

Host *
    User fallback
    IdentityFile ~/.ssh/id_ed25519
    ServerAliveInterval 30
`;

describe('resolveHost', () => {
  it('applies multiple patterns, first-obtained values and Host * defaults', () => {
    const { config, warnings } = parse(LAB);
    expect(warnings).toEqual([]);
    const gpu2 = resolveHost(config, 'gpu-2', env);
    expect(gpu2).toMatchObject({ hostName: 'gpu-2.lab.example.org', port: 2222, user: 'alice', proxyJump: [], proxyCommand: null, problems: [] });
    expect(gpu2.identityFiles).toEqual(['/home/ada/.ssh/id_ed25519']);
    expect(gpu2.options.serveraliveinterval).toEqual(['30']);
    const other = resolveHost(config, 'db-7', env);
    expect(other).toMatchObject({ hostName: 'db-7', port: 22, user: 'fallback' });
  });

  it('lets an early Host * win over later specific blocks, as OpenSSH does', () => {
    const { config } = parse('Host *\n  User everyone\nHost gpu-1\n  User alice\n  Port 2200\n');
    expect(resolveHost(config, 'gpu-1', env)).toMatchObject({ user: 'everyone', port: 2200 });
  });

  it('reads Keyword=value, any keyword case, quotes and escapes', () => {
    const { config, warnings } = parse(
      [
        'HOST=box',
        '  hostname=10.0.0.5',
        '  PORT = 2200',
        '  user= carl # trailing comment',
        '  IdentityFile "~/.ssh/my key"',
        "  identityfile '/keys/second key'",
        '  IdentityFile /keys/third\\ key',
        '  identityFile ~/.ssh/id#1',
      ].join('\n'),
    );
    expect(warnings).toEqual([]);
    const r = resolveHost(config, 'box', env);
    expect(r).toMatchObject({ hostName: '10.0.0.5', port: 2200, user: 'carl' });
    expect(r.identityFiles).toEqual(['/home/ada/.ssh/my key', '/keys/second key', '/keys/third key', '/home/ada/.ssh/id#1']);
  });

  it('expands %-tokens and ~, and reports what it cannot expand', () => {
    const { config } = parse(
      [
        'Host web',
        '  HostName %h.Example.ORG',
        '  User deploy',
        '  IdentityFile %d/.ssh/%r@%h-%p',
        '  IdentityFile ~/.ssh/%u_%n_%L_%i_%%',
        '  IdentityFile ~/.ssh/id_%C',
        '  IdentityFile keys/relative',
      ].join('\n'),
    );
    const r = resolveHost(config, 'web', env);
    expect(r.hostName).toBe('web.example.org');
    expect(r.identityFiles.slice(0, 2)).toEqual(['/home/ada/.ssh/deploy@web.example.org-22', '/home/ada/.ssh/ada_web_laptop_1000_%']);
    expect(r.problems).toEqual([
      'IdentityFile "/home/ada/.ssh/id_%C" uses %C, which Fleetdeck cannot expand',
      'IdentityFile "keys/relative" is not an absolute path: give the full path to the key',
    ]);
  });

  it('skips Match blocks with a warning, up to the next Host line', () => {
    const { config, warnings } = parse(
      ['Match host gpu-* exec "test -f /tmp/x"', '  User matched', '  Include never.conf', 'Host gpu-3', '  User real'].join('\n'),
      { '/home/ada/.ssh/never.conf': 'User from-include\n' },
    );
    expect(warnings).toEqual([{ path: '/home/ada/.ssh/config', line: 1, message: expect.stringContaining('Match') }]);
    expect(resolveHost(config, 'gpu-3', env).user).toBe('real');
    expect(resolveHost(config, 'gpu-4', env).user).toBeNull();
  });

  it('reads CRLF files', () => {
    const { config, warnings } = parse('Host gpu-1\r\n  HostName 10.0.0.1\r\n  User alice\r\n  IdentityFile "~/.ssh/k 1"\r\n');
    expect(warnings).toEqual([]);
    expect(resolveHost(config, 'gpu-1', env)).toMatchObject({ hostName: '10.0.0.1', user: 'alice', identityFiles: ['/home/ada/.ssh/k 1'] });
  });

  it('gives ProxyJump and ProxyCommand one slot, first come first served', () => {
    const { config } = parse(
      ['Host a', '  ProxyCommand none', 'Host b', '  ProxyJump none', 'Host c', '  ProxyCommand nc %h %p', 'Host *', '  ProxyJump j1', 'Host b c', '  ProxyCommand foo'].join('\n'),
    );
    expect(resolveHost(config, 'a', env)).toMatchObject({ proxyJump: [], proxyCommand: null });
    expect(resolveHost(config, 'b', env)).toMatchObject({ proxyJump: [], proxyCommand: 'foo' });
    expect(resolveHost(config, 'c', env)).toMatchObject({ proxyJump: [], proxyCommand: 'nc %h %p' });
    expect(resolveHost(config, 'd', env)).toMatchObject({ proxyJump: [{ user: null, host: 'j1', port: null }], proxyCommand: null });
  });

  it('parses ProxyJump lists, ssh:// URIs and bracketed IPv6, and reports bad entries and ports', () => {
    const { config } = parse('Host x\n  ProxyJump ops@a.example:2022,ssh://b,[fd00::1]:23,c@[fd00::2],bad:port\n  Port ssh\n');
    const r = resolveHost(config, 'x', env);
    expect(r.proxyJump).toEqual([
      { user: 'ops', host: 'a.example', port: 2022 },
      { user: null, host: 'b', port: null },
      { user: null, host: 'fd00::1', port: 23 },
      { user: 'c', host: 'fd00::2', port: null },
    ]);
    expect(r.port).toBe(22);
    expect(r.problems).toEqual(['Port "ssh" is not a number between 1 and 65535', 'ProxyJump entry "bad:port" is not [user@]host[:port]']);
  });

  it('warns about unterminated quotes and keywords without a value', () => {
    const { warnings } = parse('Host a\n  IdentityFile "~/.ssh/oops\n  User\n');
    expect(warnings.map((w) => w.line)).toEqual([2, 3]);
    expect(splitArgs('a "b c" d\\ e \'f"g\' # rest')).toEqual(['a', 'b c', 'd e', 'f"g']);
    expect(splitArgs('"open')).toBeNull();
  });
});

describe('Include', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-ssh-config-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const write = (rel: string, text: string): string => {
    const file = path.join(home, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };

  it('expands a glob directory in lexical order, skipping dot files and non-matches, with node:fs', () => {
    write('.ssh/config.d/20-work.conf', 'Host work-1\n  User second\n  Port 2020\n');
    write('.ssh/config.d/10-lab.conf', 'Host work-1 lab-1\n  User first\n');
    write('.ssh/config.d/.hidden.conf', 'Host work-1\n  Port 1\n');
    write('.ssh/config.d/README', 'Host work-1\n  Port 2\n');
    mkdirSync(path.join(home, '.ssh/config.d/dir.conf'), { recursive: true });
    write('extra/abs.conf', 'Host abs-1\n  User abs\n');
    const text = `Include config.d/*.conf ${path.join(home, 'extra/abs.conf')}\nInclude ~/.ssh/missing.conf\nHost *\n  User default\n`;
    const main = write('.ssh/config', text);
    const warnings: SshConfigWarning[] = [];
    const config = parseSshConfig(text, { path: main, homeDir: home, warnings });
    expect(warnings).toEqual([{ path: main, line: 2, message: expect.stringContaining('missing.conf cannot be read') }]);
    expect(resolveHost(config, 'work-1', { ...env, homeDir: home })).toMatchObject({ user: 'first', port: 2020 });
    expect(resolveHost(config, 'abs-1', env).user).toBe('abs');
    expect(importCandidates(config, env).map((c) => c.alias)).toEqual(['work-1', 'lab-1', 'abs-1']);
  });

  it('scopes an Include inside a Host block to that block, then returns to it', () => {
    const files = { '/home/ada/.ssh/inner.conf': 'User incl\nHost y\n  Port 9\n' };
    const { config } = parse('Host x\n  Include inner.conf\n  Port 2000\nHost y\n  User yy\n', files);
    expect(resolveHost(config, 'x', env)).toMatchObject({ user: 'incl', port: 2000 });
    expect(resolveHost(config, 'y', env)).toMatchObject({ user: 'yy', port: 22 });
    expect(importCandidates(config, env).map((c) => c.alias)).toEqual(['x', 'y']);
  });

  it('stops an Include loop with a warning', () => {
    const files = {
      '/home/ada/.ssh/a.conf': 'Include b.conf\nHost from-a\n  User a\n',
      '/home/ada/.ssh/b.conf': 'Include a.conf\nInclude config\nHost from-b\n  User b\n',
    };
    const { config, warnings } = parse('Include a.conf\n', files);
    expect(warnings.map((w) => [w.path, w.line])).toEqual([
      ['/home/ada/.ssh/b.conf', 1],
      ['/home/ada/.ssh/b.conf', 2],
    ]);
    expect(warnings[0]!.message).toContain('Include loop');
    expect(importCandidates(config, env).map((c) => c.alias)).toEqual(['from-b', 'from-a']);
  });

  it('refuses Includes nested more than 16 deep', () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 20; i++) files[`/home/ada/.ssh/n${i}.conf`] = `Include n${i + 1}.conf\nHost deep-${i}\n  User u\n`;
    const { config, warnings } = parse('Include n1.conf\n', files);
    expect(warnings).toEqual([{ path: '/home/ada/.ssh/n16.conf', line: 1, message: expect.stringContaining('more than 16 deep') }]);
    expect(importCandidates(config, env)).toHaveLength(16);
  });
});

const FLEET = `
Host target
    HostName 10.0.0.9
    User deploy
    ProxyJump inner

Host inner
    HostName inner.internal
    User jumper
    Port 2200
    IdentityFile ~/.ssh/inner_key
    ProxyJump ops@outer:2022

Host outer
    HostName outer.example.org
    User nobody

Host listed
    HostName 10.0.0.10
    User deploy
    ProxyJump outer,inner

Host legacy
    HostName 10.0.0.11
    User deploy
    ProxyCommand ssh -W %h:%p outer

Host nouser
    HostName nouser.example.org

Host loop-1
    User u
    ProxyJump loop-2
Host loop-2
    User u
    ProxyJump loop-1

Host web-* !web-old
    User www
Host web-1 web-old
    HostName %h.example.org
`;

describe('importCandidates', () => {
  const { config } = parse(FLEET);
  const byAlias = Object.fromEntries(importCandidates(config, env).map((c) => [c.alias, c]));

  it('lists every concrete alias once, skipping wildcards and blocks that do not apply', () => {
    expect(Object.keys(byAlias)).toEqual(['target', 'inner', 'outer', 'listed', 'legacy', 'nouser', 'loop-1', 'loop-2', 'web-1', 'web-old']);
  });

  it('resolves a ProxyJump chain through aliases, following the first hop’s own ProxyJump', () => {
    expect(byAlias.target).toEqual({
      alias: 'target',
      input: {
        name: 'target',
        address: '10.0.0.9',
        port: 22,
        user: 'deploy',
        auth: 'agent',
        jump: [
          { address: 'outer.example.org', port: 2022, user: 'ops', auth: 'agent' },
          { address: 'inner.internal', port: 2200, user: 'jumper', auth: 'key', keyPath: '/home/ada/.ssh/inner_key' },
        ],
      },
      problem: null,
    });
    expect(hostInputSchema.safeParse(byAlias.target!.input).success).toBe(true);
    expect(byAlias.inner!.input).toMatchObject({ auth: 'key', keyPath: '/home/ada/.ssh/inner_key', jump: [{ address: 'outer.example.org', port: 2022, user: 'ops' }] });
  });

  it('does not follow the ProxyJump of later hops in a list (ssh reaches them with -J)', () => {
    expect(byAlias.listed!.input.jump.map((j) => j.address)).toEqual(['outer.example.org', 'inner.internal']);
    expect(byAlias.listed!.problem).toBeNull();
  });

  it('explains what needs fixing', () => {
    expect(byAlias.legacy!.problem).toBe('ProxyCommand is not supported; use ProxyJump');
    expect(byAlias.nouser!.problem).toBe('no User given: set one when importing');
    expect(byAlias.nouser!.input.user).toBe('');
    expect(byAlias['loop-1']!.problem).toBe('ProxyJump loops back to loop-1');
    expect(byAlias['web-1']!.input).toMatchObject({ address: 'web-1.example.org', user: 'www' });
    expect(byAlias['web-old']!.problem).toBe('no User given: set one when importing');
  });

  it('reports jump hosts without a user and values the host form refuses', () => {
    const { config: c } = parse('Host t\n  User deploy\n  HostName bad_host!\n  ProxyJump j\nHost j\n  HostName j.example.org\n');
    const [cand] = importCandidates(c, env);
    expect(cand!.problem).toContain('no User given for jump host j: set one when importing');
    expect(cand!.problem).toContain('address: That is not a valid address');
    expect(cand!.problem).not.toContain('jump.0.user');
  });
});

/** Cross-check against OpenSSH itself where it is installed (ssh -G prints the effective config). */
const sshG = (() => {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!sshG)('parity with ssh -G', () => {
  it('agrees on hostname, port, user and proxy settings', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-ssh-g-'));
    const file = path.join(dir, 'config');
    const text = `${LAB}\n${FLEET.replace(/ProxyCommand ssh -W %h:%p outer/, 'ProxyCommand nc %h %p')}\nHost c1\n  ProxyCommand none\nHost c1 c2\n  ProxyJump j1\n`;
    writeFileSync(file, text);
    const { config } = parse(text);
    try {
      for (const alias of ['gpu-1', 'gpu-2', 'db-7', 'target', 'inner', 'listed', 'legacy', 'web-1', 'web-old', 'c1', 'c2']) {
        const out = execFileSync('ssh', ['-G', '-F', file, alias], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const lines = out.split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as const);
        const g = Object.fromEntries(lines);
        const r = resolveHost(config, alias, env);
        expect({
          alias,
          hostname: r.hostName,
          port: String(r.port),
          user: r.user ?? userInfo().username,
          proxyjump: r.proxyJump.length ? r.options.proxyjump?.[0] : undefined,
          proxycommand: r.proxyCommand ?? undefined,
        }).toEqual({ alias, hostname: g.hostname, port: g.port, user: g.user, proxyjump: g.proxyjump, proxycommand: g.proxycommand });
        if (r.options.identityfile) expect(lines.filter(([k]) => k === 'identityfile').map(([, v]) => v)).toEqual(r.options.identityfile);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a hostile or huge config', () => {
  it('imports through a ProxyJump chain 5,000 hosts long without overflowing the stack, cut at 16 hops', () => {
    const { config } = parse(Array.from({ length: 5_000 }, (_, i) => `Host h${i}\n  User u\n  ProxyJump h${i + 1}\n`).join(''));
    const candidates = importCandidates(config, env);
    expect(candidates[0]!.input.jump).toHaveLength(16);
    expect(candidates[0]!.problem).toContain('more than 16 jump hosts');
  });

  it('lists a Host line of 10,000 aliases within the campaign bound (each alias was matched against the whole line)', () => {
    const { config } = parse(`Host ${Array.from({ length: 10_000 }, (_, i) => `h${i}`).join(' ')}\n  User u\n`);
    const { ms, boundMs, output: candidates } = timeAgainstOneMegabyteBound(() => importCandidates(config, env));
    expect(ms).toBeLessThan(boundMs);
    expect(candidates).toHaveLength(MAX_IMPORT_CANDIDATES);
    expect(candidates[3]!.input).toMatchObject({ name: 'h3', user: 'u' });
  });

  it('reports each unknown %-token once per value, not once per occurrence', () => {
    const { config } = parse(`Host a\n  IdentityFile /k/${'%z'.repeat(10_000)}%C\n`);
    expect(resolveHost(config, 'a', env).problems).toEqual([`IdentityFile "/k/${'%z'.repeat(10_000)}%C" uses %z, %C, which Fleetdeck cannot expand`]);
  });

  it('reads at most 16 ProxyJump entries and reports bad ones in one problem', () => {
    const problems: string[] = [];
    expect(parseProxyJump(','.repeat(100_000), problems)).toEqual([]);
    expect(problems).toEqual(['ProxyJump lists more than 16 hosts; the rest are ignored', `ProxyJump entries ${Array(16).fill('""').join(', ')} are not [user@]host[:port]`]);
  });

  it('warns once when the Include limit is reached', () => {
    const { warnings } = parse('Include conf.d/*\n'.repeat(300), {}, { readDir: (p) => (p.endsWith('conf.d') ? ['a'] : null), readFile: () => 'User x\n' });
    expect(warnings.filter((w) => w.message.includes('files included in all'))).toHaveLength(1);
  });
});
