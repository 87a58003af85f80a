import { checkBackupFresh, checkBackupRestore } from './backup-verify.js';
import { checkUserContainers } from './containers-verify.js';
import { checkUserDisk } from './quota.js';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import type { Check, CheckResult } from '../../../src-common/change/plan.schema.js';
import type { HelperContext } from '../context.js';
import { pidOccupant } from '../processes/process-control.js';
import { userChanges } from '../../../src-common/change/user-diff.js';
import { checkUserLimits } from './limits-verify.js';
import { readUser } from './users.js';
import type { ServiceManager } from './services.js';

/**
 * Verify reads the real system, never Fleetdeck's own records: is the service running (and if not,
 * what its manager says), does the port answer, does the service's own checker accept the config
 * (nginx -t, sshd -t), does the file say what it should, does the web page answer. Each check
 * returns pass or fail with the evidence it saw.
 */
const short = (s: string, n = 2000) => (s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * A service that was just started or reloaded may take a moment to answer (nginx's reload swaps
 * its workers after systemctl returns): checks of live behaviour are retried for up to
 * settleMs before they count as failed. Config checks and file contents are read once.
 */
export async function runChecks(ctx: HelperContext, manager: ServiceManager, checks: Check[], settleMs = 10_000): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) {
    const retry = c.kind === 'http' || c.kind === 'port' || c.kind === 'unit-running';
    const deadline = Date.now() + (retry ? (c.kind === 'http' && c.waitMs !== undefined ? Math.max(c.waitMs, settleMs) : settleMs) : 0);
    let result = await runCheck(ctx, manager, c);
    while (!result.ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      result = await runCheck(ctx, manager, c);
    }
    out.push(result);
  }
  return out;
}

async function runCheck(ctx: HelperContext, manager: ServiceManager, c: Check): Promise<CheckResult> {
  {
    let ok = false;
    let evidence = '';
    try {
      if (c.kind === 'unit-running') {
        const s = await manager.state(ctx, c.unit);
        ok = s.running === true;
        evidence = !s.exists ? `${c.unit} does not exist` : ok ? `${c.unit} is running${s.enabled ? ' and enabled at boot' : ' (not enabled at boot)'}` : short(await manager.why(ctx, c.unit));
      } else if (c.kind === 'port') {
        const r = await connect(c.port);
        ok = r === null;
        evidence = ok ? `something accepts connections on 127.0.0.1:${c.port}` : `127.0.0.1:${c.port}: ${r}`;
      } else if (c.kind === 'command') {
        const r = await ctx.run(c.argv, { timeoutMs: 60_000 });
        const text = `${r.stdout}${r.stderr}`.trim();
        ok = !r.missing && r.code === (c.expectExit ?? 0) && (c.expectOutput === undefined || text.includes(c.expectOutput));
        evidence = r.missing ? `${c.argv[0]} is not installed` : `${c.argv.join(' ')} → exit ${r.code ?? 'timeout'}${text ? `: ${short(text)}` : ''}`;
      } else if (c.kind === 'process-gone') {
        // Read /proc back until that process (pid + start time) is gone, or the wait is over.
        const started = Date.now();
        let now = await pidOccupant(ctx, c.pid);
        while (now?.startTime === c.startTime && Date.now() - started < c.waitMs) {
          await new Promise((r) => setTimeout(r, 150));
          now = await pidOccupant(ctx, c.pid);
        }
        ok = now?.startTime !== c.startTime;
        evidence = ok
          ? `pid ${c.pid} is gone${now ? ` (the pid now belongs to another process: ${short(now.command, 200)})` : ''}, read from /proc after ${Date.now() - started} ms`
          : `pid ${c.pid} still runs ${Math.round(c.waitMs / 100) / 10} s later (${short(now!.command, 200)})`;
      } else if (c.kind === 'user-limits') {
        ({ ok, evidence } = await checkUserLimits(ctx, c));
      } else if (c.kind === 'user-disk') {
        ({ ok, evidence } = await checkUserDisk(ctx, c));
      } else if (c.kind === 'user-containers') {
        ({ ok, evidence } = await checkUserContainers(ctx, c));
      } else if (c.kind === 'backup-fresh') {
        ({ ok, evidence } = await checkBackupFresh(ctx, c));
      } else if (c.kind === 'backup-restore') {
        ({ ok, evidence } = await checkBackupRestore(ctx, c));
      } else if (c.kind === 'account') {
        const o = await readUser(ctx, c.user);
        const drift = userChanges(c.user, o);
        ok = drift.length === 0;
        evidence = ok
          ? o.exists
            ? `${c.user.name}: uid ${o.uid}, ${o.locked ? 'locked' : o.expires ? `expires ${o.expires}` : 'no expiry'}, groups ${o.groups.join(', ') || '(none)'}, shell ${o.shell}${o.keys ? `, ${o.keys.length} managed SSH key${o.keys.length === 1 ? '' : 's'}` : ''} (read from /etc/passwd, /etc/shadow, /etc/group)`
            : `${c.user.name} is not in /etc/passwd`
          : `${c.user.name} differs: ${drift.map((d) => `${d.field} is ${d.before}, ${d.after} wanted`).join('; ')}`;
      } else if (c.kind === 'file-contains') {
        const text = await readFile(c.path, 'utf8').catch(() => null);
        ok = text !== null && text.includes(c.contains);
        evidence = text === null ? `${c.path} does not exist` : ok ? `${c.path} contains ${JSON.stringify(c.contains)}` : `${c.path} does not contain ${JSON.stringify(c.contains)}`;
      } else {
        const r = await get(c.port, c.path, !!c.tls, c.hostHeader);
        ok = r.status === c.expectStatus;
        evidence = r.error ? `GET ${c.tls ? 'https' : 'http'}://127.0.0.1:${c.port}${c.path}: ${r.error}` : `GET ${c.path} → HTTP ${r.status}${r.server ? ` (${r.server})` : ''}`;
      }
    } catch (err) {
      evidence = `could not check: ${err instanceof Error ? err.message : String(err)}`;
    }
    return { id: c.id, label: c.label, ok, evidence: short(evidence, 8000) };
  }
}

function connect(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (why: string | null) => {
      s.destroy();
      resolve(why);
    };
    s.setTimeout(3000, () => done('no answer within 3 s'));
    s.once('connect', () => done(null));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'connection refused (nothing listens there)' : e.message));
  });
}

function get(port: number, path: string, tls: boolean, host: string | undefined): Promise<{ status: number | null; server: string | null; error: string | null }> {
  return new Promise((resolve) => {
    const lib = tls ? https : http;
    // A self-signed or internal-CA certificate is the point of some checks: the answer matters, not the chain.
    const req = lib.get({ host: '127.0.0.1', port, path, timeout: 5000, headers: host ? { Host: host } : {}, ...(tls ? { rejectUnauthorized: false, servername: host } : {}) }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? null, server: (res.headers.server as string | undefined) ?? null, error: null });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (e) => resolve({ status: null, server: null, error: e.message }));
  });
}
