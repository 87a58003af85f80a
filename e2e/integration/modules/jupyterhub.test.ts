import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult, ChangePlan } from '../../../src-common/change/modules.contract.js';
import { Fleet } from '../../../src-main/core/fleet.js';
import { startDebianHost, testbedUnavailableReason, type DebianHost } from '../../testbed/index.js';
import { addHost, connectTrusting } from '../harness.js';

/**
 * The jupyterhub module, live on the systemd Debian testbed host with Debian's jupyterhub: carol
 * (in group students, memory limited to 512M by the limits module) logs in over HTTP with her PAM
 * password, her server is spawned, and it runs in her own slice under her limit — read from
 * /proc and the cgroup files, not from Fleetdeck's records. nox (not in the group) is refused.
 * Applied twice (nothing the second time) and rolled back.
 */
const unavailable = await testbedUnavailableReason({ docker: true });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe.skipIf(unavailable)('jupyterhub module on a live Debian host', () => {
  let deb: DebianHost;
  let fleet: Fleet;
  let id: number;
  let journalId: string;
  const settings = { group: 'students', idleMinutes: 30 };
  const plan = (modules: { id: string; settings: Record<string, unknown> }[]): Promise<ChangePlan> => fleet.call('change.plan', { id, modules }) as Promise<ChangePlan>;
  const apply = (p: ChangePlan): Promise<ApplyResult> => fleet.call('change.apply', { id, planId: p.planId, tag: p.tag }) as Promise<ApplyResult>;
  const sh = async (script: string) => (await deb.exec(['sh', '-c', script])).stdout.trim();

  /** HTTP to the hub (127.0.0.1:8000 in the host, through the testbed's socket for that port), with a cookie jar. */
  function browser() {
    const jar = new Map<string, string>();
    const request = (method: string, urlPath: string, form?: Record<string, string>): Promise<Answer> =>
      new Promise((resolve, reject) => {
        const body = form ? new URLSearchParams(form).toString() : undefined;
        const req = http.request(
          {
            socketPath: deb.socketPath(8000),
            method,
            path: urlPath,
            headers: {
              host: '127.0.0.1:8000',
              cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
              ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}),
            },
          },
          (res) => {
            for (const c of res.headers['set-cookie'] ?? []) {
              const [kv] = c.split(';');
              const i = kv!.indexOf('=');
              jar.set(kv!.slice(0, i), kv!.slice(i + 1));
            }
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString('utf8')));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    return {
      jar,
      async login(user: string, password: string): Promise<Answer> {
        await request('GET', '/jupyter/hub/login');
        return request('POST', `/jupyter/hub/login?_xsrf=${encodeURIComponent(jar.get('_xsrf') ?? '')}`, { username: user, password, _xsrf: jar.get('_xsrf') ?? '' });
      },
      get: (p: string) => request('GET', p),
    };
  }

  beforeAll(async () => {
    deb = await startDebianHost({ name: 'it-jupyter', apt: true });
    fleet = new Fleet({ dataDir: mkdtempSync(path.join(tmpdir(), 'fd-jupyter-')), knownHostsFiles: [], connectTimeoutMs: 15_000, actor: 'tester' });
    id = (await addHost(fleet, deb, 'admin')).id;
    expect((await connectTrusting(fleet, id)).state).toBe('connected');
    await sh('groupadd -f students && usermod -aG students carol && echo nox:nox-Secret-1 | chpasswd');
    const limits = await apply(await plan([{ id: 'limits', settings: { users: [{ user: 'carol', memory: '512M' }] } }]));
    expect(limits.status, limits.message ?? '').toBe('done');
  }, 600_000);
  afterAll(async () => {
    fleet?.close();
    await deb?.stop();
  });

  it('applies: its config and unit drop-in before the package (never Debian’s defaults), the hub on 127.0.0.1:8000/jupyter/ only, verified', async () => {
    const p = await plan([{ id: 'jupyterhub', settings }]);
    const order = p.steps.map((s) => s.summary);
    expect(order.findIndex((s) => s.includes('fleetdeck_config.py'))).toBeLessThan(order.findIndex((s) => /Install .*jupyterhub/.test(s)));
    const r = await apply(p);
    expect(r.status, r.message ?? '').toBe('done');
    const failed = r.verify.filter((c) => !c.ok);
    expect(failed, failed.length ? await sh('journalctl -u jupyterhub --no-pager | tail -n 40') : '').toEqual([]);
    journalId = r.journalId!;
    expect(await sh('ss -Hltn | awk \'{print $4}\' | grep -E ":8000$"')).toBe('127.0.0.1:8000');
    expect(await sh('stat -c "%a %U" /etc/jupyterhub/fleetdeck_config.py')).toBe('600 root');
  }, 600_000);

  it('carol logs in with her PAM password; her server runs in her slice, under her 512M limit; nox (not a student) is refused', async () => {
    const carol = browser();
    const login = await carol.login('carol', 'carol-Secret-1');
    expect(login.status, login.body.slice(0, 300)).toBe(302);
    await carol.get('/jupyter/hub/spawn');
    const deadline = Date.now() + 120_000;
    let pid = '';
    while (Date.now() < deadline) {
      pid = await sh('systemctl show -p MainPID --value jupyter-carol.service 2>/dev/null');
      if (pid && pid !== '0') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(Number(pid)).toBeGreaterThan(0);
    expect(await sh(`stat -c %U /proc/${pid}`)).toBe('carol');
    const cgroup = await sh(`cat /proc/${pid}/cgroup`);
    expect(cgroup).toMatch(/memory:\/user\.slice\/user-1001\.slice\/jupyter-carol\.service/);
    expect(await sh('cat /sys/fs/cgroup/memory/user.slice/user-1001.slice/memory.limit_in_bytes')).toBe(String(512 * 1024 * 1024));
    // The server's API token is in a root-only file, not on its command line.
    expect(await sh(`tr '\\0' ' ' < /proc/${pid}/cmdline`)).not.toMatch(/token/i);
    expect(await sh('stat -c "%a %U" /run/fleetdeck-jupyter/1001.env')).toBe('600 root');
    // The hub's proxy routes to it: the notebook server's version endpoint answers through it.
    await expect.poll(async () => { const a = await carol.get('/jupyter/user/carol/api'); return a.status === 200 && /"version"/.test(a.body); }, { timeout: 60_000, interval: 2000 }).toBe(true);

    const nox = browser();
    const refused = await nox.login('nox', 'nox-Secret-1');
    expect(refused.status).toBe(200); // the login page again, with its error
    expect(refused.body).toMatch(/Invalid username or password/);
  }, 240_000);

  it('plans nothing the second time; rolled back: the hub gone, carol’s server stopped', async () => {
    expect((await plan([{ id: 'jupyterhub', settings }])).steps).toEqual([]);
    const rb = (await fleet.call('change.rollback', { id, journalId })) as { status: string; message: string | null };
    expect(rb.status, rb.message ?? '').toBe('rolled-back');
    expect(await sh('systemctl is-active jupyterhub; test -e /etc/jupyterhub/fleetdeck_config.py && echo config-left; true')).toMatch(/^(inactive|unknown|failed)$/);
    // The hub stops each user's server on its way out (its spawner's stop): on a loaded machine a moment after the hub's own unit.
    await expect.poll(() => sh('systemctl is-active jupyter-carol.service; true'), { timeout: 30_000, interval: 500 }).toMatch(/^(inactive|unknown|failed)$/);
  }, 300_000);
});
