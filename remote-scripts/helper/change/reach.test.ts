import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HelperContext, RunResult } from '../context.js';
import { httpAnswer, mirrorFromSources, mirrorUrl, reach } from './reach.js';

/**
 * change.reach1 on a host double: which tool it asks (apt's downloader with apt's proxy settings,
 * or an HTTP request), the mirror taken from apt's own index targets, and what it says when the
 * answer is no. The HTTP request runs for real against a local server. Live, from a testbed host
 * that reaches only Debian's archive: e2e/integration/modules/monitoring.test.ts.
 */
function host(apt: boolean, answers: (argv: string[]) => RunResult, lists: string[] = []): { ctx: HelperContext; calls: string[][] } {
  const calls: string[][] = [];
  const ctx = {
    root: '/',
    live: true,
    exists: async (p: string) => apt && p === '/usr/lib/apt/apt-helper',
    listDir: async (p: string) => (p === '/var/lib/apt/lists' ? lists : null),
    run: async (argv: string[]) => {
      calls.push(argv);
      return answers(argv);
    },
  } as unknown as HelperContext;
  return { ctx, calls };
}

describe('reach', () => {
  it('takes the mirror from apt-get indextargets (first repository, its InRelease)', () => {
    expect(mirrorUrl('http://deb.debian.org/debian/ bookworm\nhttp://deb.debian.org/debian-security/ bookworm-security\n')).toBe('http://deb.debian.org/debian/dists/bookworm/InRelease');
    expect(mirrorUrl('http://mirror.lab/ubuntu noble\n')).toBe('http://mirror.lab/ubuntu/dists/noble/InRelease');
    expect(mirrorUrl('file:/srv/repo ./\n')).toBeNull();
    expect(mirrorUrl('')).toBeNull();
  });

  it('before the first apt-get update, takes the mirror from apt’s sources (one-line and deb822)', () => {
    expect(mirrorFromSources(['# comment\ndeb-src http://x/ y main\ndeb [arch=amd64 signed-by=/k.gpg] http://deb.debian.org/debian bookworm main\n'])).toBe('http://deb.debian.org/debian/dists/bookworm/InRelease');
    expect(mirrorFromSources(['', 'Types: deb deb-src\nURIs: http://archive.ubuntu.com/ubuntu/\nSuites: noble noble-updates\nComponents: main\n'])).toBe('http://archive.ubuntu.com/ubuntu/dists/noble/InRelease');
    expect(mirrorFromSources(['deb file:/srv/repo ./\n'])).toBeNull();
  });

  it('whether the distribution packages something: apt-cache policy on the lists apt fetched; not asked before the first apt-get update', async () => {
    const policy = (argv: string[]) => (argv[0] === 'apt-cache' ? { code: 0, stdout: argv[2] === 'jupyterhub' ? 'jupyterhub:\n  Installed: (none)\n  Candidate: 4.1.5+ds1-1\n' : 'nothing:\n  Installed: (none)\n  Candidate: (none)\n', stderr: '' } : { code: 1, stdout: '', stderr: '' });
    const fetched = ['deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages', 'lock'];
    const { ctx, calls } = host(true, policy, fetched);
    const r = await reach(ctx, [{ id: 'jh', via: 'package', url: 'jupyterhub' }, { id: 'no', via: 'package', url: 'nothing' }]);
    expect(r.results).toEqual([
      { id: 'jh', ok: true, detail: 'jupyterhub 4.1.5+ds1-1 is in the distribution’s lists' },
      { id: 'no', ok: false, detail: 'the distribution’s lists have no nothing' },
    ]);
    expect(calls.map((c) => c.join(' ')).sort()).toEqual(['apt-cache policy jupyterhub', 'apt-cache policy nothing']);
    expect((await reach(host(true, policy, ['lock', 'partial']).ctx, [{ id: 'jh', via: 'package', url: 'jupyterhub' }])).results[0]).toEqual({ id: 'jh', ok: null, detail: 'not checked: apt has not fetched its package lists yet' });
    expect((await reach(host(false, policy).ctx, [{ id: 'jh', via: 'package', url: 'jupyterhub' }])).results[0]).toMatchObject({ ok: null });
  });

  it('apt sources go through apt-helper (apt’s proxy), registries through HTTP; failures say why', async () => {
    const { ctx, calls } = host(true, (argv) => {
      if (argv[0] === 'apt-get') return { code: 0, stdout: 'http://deb.debian.org/debian/ bookworm\n', stderr: '' };
      if (argv.includes('https://apt.grafana.com/gpg.key')) return { code: 100, stdout: '', stderr: "E: Failed to fetch https://apt.grafana.com/gpg.key  Could not resolve 'apt.grafana.com'\nE: Download Failed\n" };
      return { code: 0, stdout: 'Fetched 151 kB', stderr: '' };
    });
    const asked: string[] = [];
    const r = await reach(ctx, [{ id: 'mirror', via: 'mirror', url: '' }, { id: 'grafana-repo', via: 'apt', url: 'https://apt.grafana.com/gpg.key' }, { id: 'gcr', via: 'http', url: 'https://gcr.io/v2/' }], async (url) => {
      asked.push(url);
      return { error: 'ENOTFOUND: getaddrinfo ENOTFOUND gcr.io' };
    });
    expect(r.results).toEqual([
      { id: 'mirror', ok: true, detail: 'http://deb.debian.org/debian/dists/bookworm/InRelease fetched through apt' },
      { id: 'grafana-repo', ok: false, detail: expect.stringMatching(/could not be fetched through apt \(E: Failed to fetch .*Could not resolve 'apt.grafana.com' E: Download Failed\)/) },
      { id: 'gcr', ok: false, detail: 'https://gcr.io/v2/ did not answer: ENOTFOUND: getaddrinfo ENOTFOUND gcr.io' },
    ]);
    expect(asked).toEqual(['https://gcr.io/v2/']);
    // Asked at once (in parallel): in whichever order they finish starting.
    expect(calls.filter((c) => c[0] === '/usr/lib/apt/apt-helper').map((c) => c.slice(-2, -1)[0]).sort()).toEqual(['http://deb.debian.org/debian/dists/bookworm/InRelease', 'https://apt.grafana.com/gpg.key']);
  });

  it('without apt: the mirror is not checked (said), a repository is asked over HTTP', async () => {
    const { ctx } = host(false, () => ({ code: 0, stdout: '', stderr: '' }));
    const r = await reach(ctx, [{ id: 'mirror', via: 'mirror', url: '' }, { id: 'repo', via: 'apt', url: 'https://rpm.grafana.com/gpg.key' }], async () => ({ status: 404 }));
    expect(r.results[0]).toMatchObject({ ok: null, detail: expect.stringMatching(/not checked \(not an apt host\)/) });
    expect(r.results[1]).toEqual({ id: 'repo', ok: false, detail: 'https://rpm.grafana.com/gpg.key answered HTTP 404' });
  });

  it('an HTTP answer of any status counts for a registry (401 without a login); no answer says why', async () => {
    const server = createServer((_req, res) => {
      res.statusCode = 401;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(await httpAnswer(`http://127.0.0.1:${port}/v2/`)).toEqual({ status: 401 });
    } finally {
      server.close();
    }
    expect(await httpAnswer(`http://127.0.0.1:${port}/v2/`, 2000)).toMatchObject({ error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
