import type { AuthMethod } from '../../../src-common/hosts/host.schema.js';
import { connect as netConnect } from 'node:net';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';
import type { ChannelHandle, OpenOptions } from '../../../src-common/protocol/endpoint.js';
import { helperApi, type HelperChannelDef, type HelperParams, type HelperRequestDef, type HelperResult } from '../../../src-common/protocol/helper-api.js';
import type { Superuser } from '../../../src-common/protocol/messages.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { HelperClient } from '../agent/helper-client.js';
import type { HostSession } from '../hosts/host-session.js';

/**
 * What the change engine needs of a host, whichever way it is reached: a stored host's session
 * in the app, the CLI's own session, or this machine (--local). The engine never sees SSH.
 */
export interface ChangeTarget {
  /** The stored host (what is installed is remembered for it), or null for an ad-hoc one. */
  hostId: number | null;
  hostName: string;
  /** A stable key for the plans made for it (host id, or the ad-hoc address). */
  key: string;
  /** Who Fleetdeck logs in as (the admin). */
  user(): Promise<{ user: string; uid: number; auth?: AuthMethod | null; dir?: string | null }>;
  probe(): Promise<Probe>;
  /** The host changed (an apply or rollback ran): the next plan reads the probe again (Docker installed, a package gone). */
  forgetProbe?(): void;
  request<D extends HelperRequestDef>(def: D, params: HelperParams<D>, superuser: Superuser, timeoutMs?: number): Promise<HelperResult<D>>;
  /** Opens a channel on the root helper (changes need root). */
  openRoot<D extends HelperChannelDef>(def: D, params: HelperParams<D>, opts: OpenOptions): Promise<ChannelHandle>;
  /** Opens a channel on the login user's own helper, no sudo (a change only that user's rights need). */
  openOwn<D extends HelperChannelDef>(def: D, params: HelperParams<D>, opts: OpenOptions): Promise<ChannelHandle>;
  /** The lockout guard's proof: a new login works (port 0: the normal way; else that port of the host). */
  confirmLogin(port: number): Promise<string>;
}

/** A host session's target: the probe is read once per link (a reconnect reads it again). */
export function sessionTarget(session: HostSession, host: { id: number | null; name: string; key: string }, onProbe?: (p: Probe) => void): ChangeTarget {
  let cached: { generation: number; probe: Promise<Probe> } | null = null;
  const helper = (superuser: Superuser) => session.helperFor(superuser);
  return {
    hostId: host.id,
    hostName: host.name,
    key: host.key,
    async user() {
      const f = await session.loginFacts();
      return { user: f.user, uid: f.uid, auth: session.authMethod, dir: f.dir };
    },
    probe() {
      const generation = session.linkGeneration;
      if (!cached || cached.generation !== generation) {
        const probe = session.request(helperApi.probe, {}, { superuser: 'try' }).then((p) => {
          onProbe?.(p);
          return p;
        });
        probe.catch(() => {
          if (cached?.probe === probe) cached = null;
        });
        cached = { generation, probe };
      }
      return cached.probe;
    },
    forgetProbe() {
      cached = null;
    },
    request: (def, params, superuser, timeoutMs) => session.request(def, params, { superuser, timeoutMs: timeoutMs ?? 120_000 }),
    async openRoot(def, params, opts) {
      return (await helper('require')).open(def, params, opts);
    },
    async openOwn(def, params, opts) {
      return (await helper('none')).open(def, params, opts);
    },
    confirmLogin: (port) => session.confirmLogin(port),
  };
}

/**
 * This machine (`fleetdeck modules … --local`): the helper runs as a child, as root when the
 * CLI is root. There is no SSH login to lose, so the lockout guard's confirm checks that sshd
 * answers on the port with its banner (the new config is running and takes connections).
 */
export function localTarget(helper: HelperClient, name = 'this machine'): ChangeTarget {
  let probe: Promise<Probe> | null = null;
  return {
    hostId: null,
    hostName: name,
    key: 'local',
    user: async () => ({ user: helper.init.user, uid: helper.init.uid, auth: null }),
    probe: () => (probe ??= helper.request(helperApi.probe, {})),
    forgetProbe: () => {
      probe = null;
    },
    request: (def, params, _superuser, timeoutMs) => helper.request(def, params, { timeoutMs: timeoutMs ?? 120_000 }),
    async openRoot(def, params, opts) {
      if (helper.init.uid !== 0) throw new FleetdeckError('sudo-required', 'Changing this machine needs root: run the command with sudo.');
      return helper.open(def, params, opts);
    },
    openOwn: async (def, params, opts) => helper.open(def, params, opts),
    confirmLogin: (port) => sshBanner(port || 22),
  };
}

function sshBanner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const sock = netConnect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new FleetdeckError('timeout', `Nothing answered on port ${port} within 10 s.`));
    }, 10_000);
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\n')) {
        clearTimeout(timer);
        sock.destroy();
        const line = got.split('\n')[0]!.trim().slice(0, 120);
        if (line.startsWith('SSH-')) resolve(`sshd answered on port ${port} in ${Date.now() - started} ms (${line})`);
        else reject(new FleetdeckError('access-denied', `Port ${port} answered, but not as sshd: ${line}`));
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(new FleetdeckError('disconnected', `Could not reach port ${port}: ${e.message}`));
    });
  });
}
