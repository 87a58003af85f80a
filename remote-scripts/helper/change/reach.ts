import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HelperContext } from '../context.js';

/**
 * change.reach1: can this host fetch what a module needs? Tried from the host, the way the
 * install will fetch it, so the plan can leave out what cannot be had and say why instead of
 * failing half-way:
 *   mirror  the package mirror apt already uses (the first repository of `apt-get indextargets`,
 *           its InRelease file), through apt's own downloader and so through apt's proxy settings;
 *   apt     a vendor repository apt would use (Grafana's key), the same way;
 *   http    an image registry: any HTTP answer counts (a registry answers 401 without a login),
 *           asked directly (dockerd's own proxy settings, if any, are not read);
 *   package whether apt has a candidate for the package named in url (Debian's jupyterhub),
 *           from the lists it has fetched (none fetched yet: not checked).
 * Changes nothing on the host (downloads go to a temporary directory that is removed).
 */
export interface ReachSource {
  id: string;
  via: 'mirror' | 'apt' | 'http' | 'package';
  url: string;
}
export interface ReachResult {
  id: string;
  /** null: not checked (no way to ask on this host), with why in detail. */
  ok: boolean | null;
  detail: string;
}

const TIMEOUT_S = 8;
const APT_HELPER = '/usr/lib/apt/apt-helper';

export type HttpAnswer = { status: number } | { error: string };

/** One HTTP(S) request: the status of any answer, or why there was none. */
export function httpAnswer(url: string, timeoutMs = TIMEOUT_S * 1000): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { timeout: timeoutMs, agent: false, headers: { 'user-agent': 'fleetdeck-reach' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code && e.code !== 'ERR_UNKNOWN' ? `${e.code}: ${e.message}` : e.message }));
  });
}

/** The InRelease URL of the first repository apt uses, or null. */
export function mirrorUrl(indextargets: string): string | null {
  for (const line of indextargets.split('\n')) {
    const [uri, release] = line.trim().split(/\s+/);
    if (uri && release && /^https?:\/\/[\x21-\x7e]+$/.test(uri) && /^[A-Za-z0-9._/-]+$/.test(release)) return `${uri.endsWith('/') ? uri : `${uri}/`}dists/${release}/InRelease`;
  }
  return null;
}

/**
 * The InRelease URL of the first repository in apt's sources (one-line `deb URI SUITE …` or
 * deb822 `URIs:`/`Suites:`), for a host whose package lists were never fetched (indextargets is
 * empty until the first apt-get update).
 */
export function mirrorFromSources(texts: readonly string[]): string | null {
  const url = (uri: string, suite: string) => (/^https?:\/\/[\x21-\x7e]+$/.test(uri) && /^[A-Za-z0-9._/-]+$/.test(suite) ? `${uri.endsWith('/') ? uri : `${uri}/`}dists/${suite}/InRelease` : null);
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
      const u = m && url(m[1]!, m[2]!);
      if (u) return u;
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'mi').exec(stanza)?.[1];
      if (!/^Types:.*\bdeb\b/mi.test(stanza)) continue;
      const uri = field('URIs');
      const suite = field('Suites');
      const u = uri && suite ? url(uri, suite) : null;
      if (u) return u;
    }
  }
  return null;
}

const lastError = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(E|Err):/.test(l))
    .join(' ')
    .slice(0, 500) || text.trim().split('\n').pop()?.slice(0, 500) || 'no output';

async function viaApt(ctx: HelperContext, url: string): Promise<Omit<ReachResult, 'id'>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-reach-'));
  try {
    const r = await ctx.run([APT_HELPER, '-o', `Acquire::http::Timeout=${TIMEOUT_S}`, '-o', `Acquire::https::Timeout=${TIMEOUT_S}`, '-o', 'Acquire::Retries=0', 'download-file', url, path.join(dir, 'file')], { timeoutMs: (TIMEOUT_S + 7) * 1000 });
    if (r.missing) return { ok: null, detail: `not checked: ${APT_HELPER} is missing` };
    return r.code === 0 ? { ok: true, detail: `${url} fetched through apt` } : { ok: false, detail: `${url} could not be fetched through apt (${r.code === null ? `no answer in ${TIMEOUT_S + 7} s` : lastError(r.stderr + '\n' + r.stdout)})` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether apt has a candidate for `name` in the lists it fetched (apt-cache policy). */
async function packaged(ctx: HelperContext, name: string, hasApt: boolean): Promise<Omit<ReachResult, 'id'>> {
  if (!hasApt) return { ok: null, detail: 'not checked (not an apt host)' };
  const lists = (await ctx.listDir('/var/lib/apt/lists')) ?? [];
  if (!lists.some((f) => /_Packages(\.|$)/.test(f))) return { ok: null, detail: 'not checked: apt has not fetched its package lists yet' };
  const r = await ctx.run(['apt-cache', 'policy', name], { timeoutMs: 30_000 });
  const candidate = /^\s*Candidate:\s*(\S+)/m.exec(r.stdout)?.[1];
  if (r.code !== 0) return { ok: null, detail: `not checked: apt-cache policy failed (${lastError(r.stderr)})` };
  return candidate && candidate !== '(none)' ? { ok: true, detail: `${name} ${candidate} is in the distribution’s lists` } : { ok: false, detail: `the distribution’s lists have no ${name}` };
}

export async function reach(ctx: HelperContext, sources: readonly ReachSource[], ask: (url: string) => Promise<HttpAnswer> = httpAnswer): Promise<{ results: ReachResult[] }> {
  const hasApt = await ctx.exists(APT_HELPER);
  const one = async (s: ReachSource): Promise<ReachResult> => {
    if (s.via === 'package') return { id: s.id, ...(await packaged(ctx, s.url, hasApt)) };
    if (!/^https?:\/\//.test(s.url) && s.via !== 'mirror') return { id: s.id, ok: null, detail: 'not checked: not a URL' };
    if (s.via === 'http') {
      const a = await ask(s.url);
      return { id: s.id, ...('status' in a ? { ok: true, detail: `${s.url} answered (HTTP ${a.status})` } : { ok: false, detail: `${s.url} did not answer: ${a.error}` }) };
    }
    if (!hasApt) {
      if (s.via === 'mirror') return { id: s.id, ok: null, detail: 'not checked (not an apt host): the package manager reports an unreachable mirror when it installs' };
      const a = await ask(s.url);
      return { id: s.id, ...('status' in a ? { ok: a.status < 400, detail: `${s.url} answered HTTP ${a.status}` } : { ok: false, detail: `${s.url} did not answer: ${a.error}` }) };
    }
    let url = s.url;
    if (s.via === 'mirror') {
      const t = await ctx.run(['apt-get', 'indextargets', '--format', '$(REPO_URI) $(RELEASE)'], { timeoutMs: 15_000 });
      let m = t.code === 0 ? mirrorUrl(t.stdout) : null;
      if (!m) {
        const parts = (await ctx.listDir('/etc/apt/sources.list.d')) ?? [];
        const files = ['/etc/apt/sources.list', ...parts.filter((f) => /\.(list|sources)$/.test(f)).sort().map((f) => `/etc/apt/sources.list.d/${f}`)];
        m = mirrorFromSources((await Promise.all(files.map((f) => ctx.readText(f)))).filter((x): x is string => x !== null));
      }
      if (!m) return { id: s.id, ok: null, detail: 'not checked: apt names no repository in its sources' };
      url = m;
    }
    return { id: s.id, ...(await viaApt(ctx, url)) };
  };
  return { results: await Promise.all(sources.map(one)) };
}
