import { FleetdeckError } from '../../src-common/problems.js';
import { parseBootstrapOutput } from '../../src-main/core/agent/bootstrap-facts.js';
import { importCandidates, parseProxyJump, parseSshConfig, resolveHost, splitArgs, type SshEnv } from '../../src-main/core/hosts/ssh-config.js';
import { hostKeyAlgorithmsFor, lookupHostKey, parseKnownHosts, type KnownHostsWarning } from '../../src-main/core/ssh/known-hosts.js';
import type { FuzzTarget } from './fuzz.test-util.js';
import * as S from './seeds.test-util.js';

/**
 * The core's parsers of text it did not write: what a host prints during bootstrap, and the
 * user's OpenSSH files (known_hosts decides whether we talk to a server at all; ssh_config may
 * have been written by anything).
 */

const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** `line(0) + line(1) + ...` up to `size` characters: distinct names, as a generated config has. */
function numbered(line: (i: number) => string, size: number): string {
  const parts: string[] = [];
  for (let i = 0, length = 0; length < size; i++) length += parts[parts.push(line(i)) - 1]!.length;
  return parts.join('');
}

const ENV: SshEnv = { homeDir: '/home/ada', localUser: 'ada', localHostName: 'laptop.local', uid: 1000 };
const ED25519_BLOB = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIJSjbfTKEj5PohlGPyy7Ho28l3fS9hm2LcjkiTpZObEH', 'base64');

/** Includes read these instead of the disk: a fixed small file and a directory of three. */
const INCLUDED = 'Host included\n  User inc\n  Include conf.d/*\n';
const parseConfig = (text: string) =>
  parseSshConfig(text, {
    path: '/home/ada/.ssh/config',
    homeDir: ENV.homeDir,
    readFile: (p) => (p.startsWith('/home/ada/.ssh/conf.d/') ? INCLUDED : null),
    readDir: (p) => (p === '/home/ada/.ssh/conf.d' ? ['a', 'b', 'c'] : null),
    warnings: [],
  });

const isProtocolError = (err: unknown): boolean => err instanceof FleetdeckError && err.problem === 'protocol-error';

export const CORE_TARGETS: FuzzTarget[] = [
  {
    name: 'parseSshConfig + importCandidates (~/.ssh/config)',
    parse: (t) => {
      const config = parseConfig(t);
      return { config, candidates: importCandidates(config, ENV) };
    },
    seeds: [S.SSH_CONFIG],
    alphabet: '="\'\\#*%,',
    // A Host line is a few characters; each alias becomes a candidate with its resolved form.
    amplification: 64,
    worstCases: (n) => [
      `Host ${fill('a ', n)}`,
      fill('Host a\n', n),
      `Host ${fill('*a', n / 2)}b\nHost ${fill('a', n / 2)}`,
      `Host a\n  ProxyJump ${fill('b,', n)}`,
      `Host a\n  HostName ${fill('%h', n)}`,
      `Host a\n  IdentityFile ${fill('%z', n)}`,
      fill('Host a b\n  ProxyJump b\nHost b\n  ProxyJump a\n', n),
      numbered((i) => `Host h${i}\n  ProxyJump h${i + 1}\n`, n),
      numbered((i) => `Host h${i}\n  User u\n`, n),
      `Host a\n  User "${fill('\\', n)}`,
      fill('Include conf.d/*\n', n),
      fill('Match all\n  User x\n', n),
    ],
  },
  {
    name: 'resolveHost (ssh -G for one alias)',
    parse: (t) => resolveHost(parseConfig(t), 'gpu-1', ENV),
    seeds: [S.SSH_CONFIG],
    alphabet: '*?!%',
    amplification: 16,
    worstCases: (n) => [fill('Host *\n  IdentityFile ~/.ssh/%r\n', n), `Host ${fill('*?', n)}x`, `Host ${fill('*g', n)}x`, fill('Host gpu-1\n  LocalForward 1 a:2\n', n)],
  },
  {
    name: 'splitArgs + parseProxyJump (ssh_config values)',
    parse: (t) => [splitArgs(t), parseProxyJump(t, [])],
    seeds: ['bastion,ssh://carol@[fe80::1]:2200', '"a b" \'c d\' e\\ f # comment', 'alice@gpu-1:2222'],
    alphabet: '"\'\\#,@[',
    amplification: 16,
    worstCases: (n) => [fill('a,', n), fill('@', n), `[${fill(':', n)}`, fill('"a" ', n), fill('\\ ', n)],
  },
  {
    name: 'parseKnownHosts + lookupHostKey + hostKeyAlgorithmsFor (~/.ssh/known_hosts)',
    parse: (t) => {
      const warnings: KnownHostsWarning[] = [];
      const entries = parseKnownHosts(t, { warnings });
      return { entries, warnings, lookup: lookupHostKey(entries, 'gpu-1.lab.example.org', 22, 'ssh-ed25519', ED25519_BLOB), algorithms: hostKeyAlgorithmsFor(entries, 'gpu-2.lab.example.org', 2222) };
    },
    seeds: [S.KNOWN_HOSTS],
    alphabet: ',|!*@#',
    // A warning is one message per line of input ("a\n" → "expected hosts key-type base64-key…").
    amplification: 48,
    worstCases: (n) => {
      const line = S.KNOWN_HOSTS.split('\n')[0]!;
      return [
        fill(`${line}\n`, n),
        `${fill('*,', n)} ${line.split(' ').slice(1).join(' ')}`,
        `${fill('*?', n)}x ${line.split(' ').slice(1).join(' ')}`,
        `a ssh-ed25519 ${fill('A', n)}`,
        fill('a\n', n),
        fill('@x\n', n),
        `|1|${fill('A', n)}|x ssh-ed25519 AAAA`,
      ];
    },
  },
  {
    name: 'parseBootstrapOutput (bootstrap.sh output)',
    parse: parseBootstrapOutput,
    expectedError: isProtocolError,
    seeds: [S.BOOTSTRAP_OUTPUT],
    alphabet: '=:/',
    amplification: 16,
    worstCases: (n) => [`bootstrap=1\n${fill('candidate=ok:/x\n', n)}`, `bootstrap=1\n${fill('node_untrusted=/x\n', n)}`, `bootstrap=1\ndir_free_bytes=${fill('1', n)}`, `bootstrap=1\n${fill('=', n)}`, `error=${fill('x', n)}`],
  },
];
