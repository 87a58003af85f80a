import type { ConnectionState, Host } from '../../../src-common/hosts/host.schema.js';
import { FleetdeckError, isRetryable, toProblem } from '../../../src-common/problems.js';
import type { HelperParams, HelperRequestDef, HelperResult } from '../../../src-common/protocol/helper-api.js';
import type { Superuser } from '../../../src-common/protocol/messages.js';
import { deployHelper, execAsRoot, type DeployResult } from '../agent/deploy.js';
import { execCapture, type ExecResult } from '../agent/remote-exec.js';
import type { HelperClient } from '../agent/helper-client.js';
import { forwardedGet } from '../ssh/forwarded-http.js';
import { tryAgent } from './agent-link.js';
import { RootHelperSlot, type ElevateEvent } from './root-helper.js';
import { openSshLink, type SshLink } from '../ssh/connect.js';
import type { HostKeyPolicy } from '../ssh/host-key-policy.js';
import { quoteArgv } from '../ssh/argv.js';
import { terminalLocaleEnv } from '../terminal/terminal-locale.js';
import type { ClientChannel, PseudoTtyOptions } from 'ssh2';

/**
 * One host's connection: the state machine the UI shows (idle → connecting{step} → connected →
 * lost → reconnecting{attempt} → failed{problem}), the SSH link, the user helper and, on demand,
 * a root helper. Owns and disposes all of them.
 */
export interface SessionSecrets {
  password?: string;
  passphrase?: string;
  sudoPassword?: string;
}

export interface SessionOptions {
  policy: HostKeyPolicy;
  acceptNewHostKey?: boolean;
  timeoutMs?: number;
  /** How long to keep trying after a lost link before giving up. */
  graceMs?: number;
  log?: (line: string) => void;
  onState?: (state: ConnectionState) => void;
  onUnknownKey?: (hostName: string, blob: Buffer) => void;
  onElevate?: (e: ElevateEvent) => void; // a root helper was started through sudo (or failed to): for the audit log
  preferPushedRuntime?: boolean;
  /** The host has the agent module installed, listening there (the root service's socket, or the per-user agent's): say why, when it does not answer. */
  expectsAgent?: () => { socket: string; perUser: boolean } | null;
  onDeployed?: (facts: DeployResult['facts']) => void; // the helper started: facts.dir is where a per-user agent lives
}

const STEP_NAMES = ['', 'tcp', 'host key', 'auth', 'bootstrap', 'helper init'];
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];

export class HostSession {
  private link: SshLink | null = null;
  private deployed: DeployResult | null = null;
  private deploying: Promise<DeployResult> | null = null;
  /** The resident agent, when the host has one and it answered (agent-link.ts); reads go to it. */
  private agent: HelperClient | null = null;
  private readonly root = new RootHelperSlot({
    label: () => this.host.name,
    log: (line) => this.log(line),
    onElevate: (e) => this.opts.onElevate?.(e),
    current: () => this.deployed,
    forgetSudoPassword: () => delete this.secrets.sudoPassword,
  });
  private stateValue: ConnectionState = { state: 'idle' };
  private secrets: SessionSecrets = {};
  private connecting: Promise<void> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private lostAt = 0;
  private disposed = false;
  private abort = new AbortController();

  constructor(private host: Host, private readonly opts: SessionOptions) {}

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** How this session logs in (what the SSH module must not switch off). */
  get authMethod(): Host['auth'] {
    return this.host.auth;
  }

  get lastDeploy(): DeployResult | null {
    return this.deployed;
  }

  updateHost(host: Host): void {
    this.host = host;
  }

  private setState(s: ConnectionState): void {
    this.stateValue = s;
    this.opts.onState?.(s);
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** Connects (or returns at once when connected). Secrets given here are kept in memory for reconnects. */
  async connect(secrets: SessionSecrets = {}): Promise<ConnectionState> {
    if (this.disposed) throw new FleetdeckError('cancelled', 'This host was removed.');
    this.secrets = { ...this.secrets, ...secrets };
    if (this.stateValue.state === 'connected' && ((this.deployed && !this.deployed.helper.isClosed) || (this.agent && !this.agent.isClosed))) return this.stateValue;
    this.cancelReconnect();
    if (!this.connecting) {
      this.connecting = this.establish().finally(() => {
        this.connecting = null;
      });
    }
    await this.connecting;
    return this.stateValue;
  }

  private async establish(): Promise<void> {
    this.teardown();
    this.abort = new AbortController();
    const h = this.host;
    const hops = [...h.jump.map((j) => ({ ...j })), { address: h.address, port: h.port, user: h.user, auth: h.auth, keyPath: h.keyPath }];
    const abort = this.abort;
    let establishing = true;
    const log = (line: string) => {
      this.log(line);
      // Step lines move the visible state only while connecting (a later rekey logs nothing here).
      const m = /^(\d)\/5 .*…$/.exec(line);
      if (m && establishing && !abort.signal.aborted) this.setState({ state: 'connecting', step: Number(m[1]), stepName: STEP_NAMES[Number(m[1])] ?? '' });
    };
    // disconnect() or dispose() while we were waiting: whatever was opened is closed, not adopted.
    const stillWanted = () => {
      if (abort.signal.aborted || this.disposed) throw new FleetdeckError('cancelled', 'Connecting was cancelled.');
    };
    this.setState({ state: 'connecting', step: 1, stepName: 'tcp' });
    try {
      const link = await openSshLink({
        hops,
        secrets: { password: this.secrets.password, passphrase: this.secrets.passphrase },
        policy: this.opts.policy,
        acceptNewHostKey: this.opts.acceptNewHostKey,
        timeoutMs: this.opts.timeoutMs,
        log,
        onUnknownKey: this.opts.onUnknownKey,
        signal: abort.signal,
      });
      this.link = link;
      link.client.on('error', () => undefined);
      stillWanted();
      // The resident agent first: where it answers, nothing is started on the host to connect.
      const agent = await tryAgent(link.client, { label: h.name, log, ...(this.opts.expectsAgent?.() ?? {}) });
      stillWanted();
      if (agent.client) {
        this.agent = agent.client;
        // The agent restarting (an upgrade) leaves the link up: the per-connection helper takes over.
        agent.client.onClosed(() => {
          if (this.agent !== agent.client) return;
          this.agent = null;
          if (this.link !== link) return;
          this.ensureDeployed(log).then(
            () => this.stateValue.state === 'connected' && this.link === link && this.setState({ state: 'connected', since: this.stateValue.since, helper: 'per-connection', note: 'The resident agent stopped answering (restarted or upgraded): Fleetdeck started its helper for this connection. Reconnect to use the agent again.' }),
            (e: unknown) => this.onLinkLost(toProblem(e).message),
          );
        });
      } else await this.ensureDeployed(log);
      stillWanted();
      // Events from an older link (a late close on a half-dead network) must not tear down this one.
      link.client.on('close', () => this.link === link && this.onLinkLost('the SSH connection closed'));
      establishing = false;
      this.lostAt = 0;
      this.generation++;
      this.setState({ state: 'connected', since: Date.now(), helper: agent.client ? 'agent' : 'per-connection', ...(agent.client && agent.client.init.uid !== 0 ? { agentPerUser: true } : {}), ...(agent.note ? { note: agent.note } : {}) });
    } catch (err) {
      establishing = false;
      this.teardown();
      const p = toProblem(err);
      if (p.problem === 'cancelled' && (abort.signal.aborted || this.disposed)) throw err;
      // A refused secret is dropped: retrying it on every call could lock the account (pam_faillock).
      if (p.problem === 'authentication-failed') {
        delete this.secrets.password;
        delete this.secrets.passphrase;
      }
      this.log(`connect failed: ${p.problem}: ${p.message}`);
      // A reconnect that fails for a retryable reason keeps trying inside the grace period.
      if (this.lostAt && isRetryable(p.problem) && Date.now() - this.lostAt < (this.opts.graceMs ?? 300_000)) {
        this.scheduleReconnect();
        return;
      }
      this.lostAt = 0;
      this.setState(p.details ? { state: 'failed', problem: p.problem, message: p.message, details: p.details } : { state: 'failed', problem: p.problem, message: p.message });
      throw err;
    }
  }

  private attempt = 0;
  private generation = 0;

  /** Bumped on every established link: a channel opened on an older generation rode a link that is gone. */
  get linkGeneration(): number {
    return this.generation;
  }

  /**
   * A pty channel on this host's (host-key-checked, authenticated) link: a login shell, or argv
   * run with a pty (tmux/screen attach). Connects first when needed, under the usual rules.
   */
  async openPty(pty: PseudoTtyOptions & { term: string; cols: number; rows: number }, argv?: string[]): Promise<{ channel: ClientChannel; generation: number }> {
    if (this.stateValue.state === 'failed') {
      const f = this.stateValue;
      throw new FleetdeckError(f.problem as never, f.message, f.details);
    }
    await this.connect();
    const link = this.link;
    if (!link || this.stateValue.state !== 'connected') throw new FleetdeckError('disconnected', `${this.host.name} is not connected right now (${this.stateValue.state}).`);
    const generation = this.generation;
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      const done = (err: Error | undefined, ch: ClientChannel) => (err ? reject(new FleetdeckError('access-denied', `${this.host.name} refused a terminal: ${err.message}. Check that sshd allows ptys for ${this.host.user} (PermitTTY).`)) : resolve(ch));
      try {
        // The locale as OpenSSH's SendEnv would (else bash reads UTF-8 typing as Meta keys);
        // IUTF8 so the remote line discipline erases a whole character on backspace.
        const env = { ...terminalLocaleEnv(process.env), COLORTERM: 'truecolor' };
        const withModes = { ...pty, modes: { IUTF8: 1, ...pty.modes } };
        if (argv) link.client.exec(quoteArgv(argv), { pty: withModes, env }, done);
        else link.client.shell(withModes, { env }, done);
      } catch (err) {
        reject(new FleetdeckError('disconnected', `The SSH connection to ${this.host.name} is gone: ${(err as Error).message}`));
      }
    });
    return { channel, generation };
  }

  private onLinkLost(reason: string): void {
    if (this.disposed || this.stateValue.state !== 'connected') return;
    this.log(`link lost: ${reason}`);
    this.teardown();
    this.lostAt = Date.now();
    this.attempt = 0;
    this.setState({ state: 'lost', since: this.lostAt, reason });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.disposed) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    this.attempt++;
    this.setState({ state: 'reconnecting', attempt: this.attempt, nextInMs: delay });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch(() => undefined);
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /**
   * The per-connection helper on this link, deployed when first needed (a link that reached the
   * resident agent starts none until a change or a file read asks for one).
   */
  private ensureDeployed(log: (line: string) => void = (l) => this.log(l)): Promise<DeployResult> {
    if (this.deployed && !this.deployed.helper.isClosed) return Promise.resolve(this.deployed);
    const link = this.link;
    if (!link) return Promise.reject(new FleetdeckError('disconnected', `${this.host.name} is not connected right now (${this.stateValue.state}).`));
    this.deploying ??= deployHelper(link.client, { label: this.host.name, log, preferPushedRuntime: this.opts.preferPushedRuntime })
      .then((deployed) => {
        if (this.link !== link) {
          deployed.helper.close();
          throw new FleetdeckError('disconnected', `${this.host.name} was disconnected while its helper started.`);
        }
        this.deployed = deployed;
        this.opts.onDeployed?.(deployed.facts);
        deployed.helper.onClosed((p) => this.deployed === deployed && this.onLinkLost(p.message));
        return deployed;
      })
      .finally(() => {
        this.deploying = null;
      });
    return this.deploying;
  }

  /** Who the helper logs in as and what the host offers (bootstrap's facts), deploying it if needed. */
  async loginFacts(): Promise<DeployResult['facts']> {
    await this.connect();
    return (await this.ensureDeployed()).facts;
  }

  /** The resident agent when it serves this method (reads), else the helper for that privilege; a per-user agent only where the login's own view is asked for (not 'require'; 'try' until root is at hand). */
  async helperForMethod(method: string, superuser: Superuser): Promise<HelperClient> {
    await this.connect();
    const agent = this.agent;
    const fits = agent?.init.uid === 0 || superuser === 'none' || (superuser === 'try' && !this.root.running && !this.secrets.sudoPassword);
    return agent && !agent.isClosed && fits && agent.init.capabilities.includes(method) ? agent : this.helperFor(superuser);
  }

  /** The helper to use for a call's privilege: the login user's, or root's through sudo. */
  async helperFor(superuser: Superuser): Promise<HelperClient> {
    // After a failure only the user reconnects (with new secrets if needed), never a background call.
    if (this.stateValue.state === 'failed') {
      const f = this.stateValue;
      throw new FleetdeckError(f.problem as never, f.message, f.details);
    }
    await this.connect();
    const deployed = this.link ? await this.ensureDeployed() : null;
    if (!deployed) throw new FleetdeckError('disconnected', `${this.host.name} is not connected right now (${this.stateValue.state}); Fleetdeck is reconnecting.`);
    if (superuser === 'none' || deployed.facts.uid === 0) return deployed.helper;
    try {
      return await this.root.get(this.link!, deployed, this.secrets.sudoPassword);
    } catch (err) {
      if (superuser === 'try') return deployed.helper;
      throw err;
    }
  }

  /**
   * Runs one of Fleetdeck's own host scripts (assets: trust.sh + the script) on this host's link,
   * as the login user or as root (sudo, as the root helper is started). Connects first.
   */
  async runScript(script: string, name: string, args: string[], opts: { asRoot?: boolean; timeoutMs?: number } = {}): Promise<ExecResult> {
    await this.connect();
    const link = this.link;
    const deployed = link ? await this.ensureDeployed() : null;
    if (!link || !deployed) throw new FleetdeckError('disconnected', `${this.host.name} is not connected right now (${this.stateValue.state}).`);
    if (opts.asRoot && deployed.facts.uid !== 0) {
      return execAsRoot(link.client, deployed.facts, script, name, args, { label: this.host.name, password: this.secrets.sudoPassword, timeoutMs: opts.timeoutMs });
    }
    return execCapture(link.client, ['sh', '-c', script, name, ...args], { timeoutMs: opts.timeoutMs ?? 60_000, label: `${name} on ${this.host.name}` });
  }

  /**
   * The lockout guard's test: a brand-new SSH login with this host's settings and the secrets the
   * user gave, checking its host key as ever — on `port` of the host itself (reached through
   * this link, e.g. an sshd tried on a second port) or, with 0, the normal way. Resolves with the
   * evidence; rejects with why it failed.
   */
  async confirmLogin(port: number, timeoutMs = 20_000): Promise<string> {
    const link = this.link;
    if (!link) throw new FleetdeckError('disconnected', `${this.host.name} is not connected right now (${this.stateValue.state}).`);
    const h = this.host;
    const target = { address: h.address, port: h.port, user: h.user, auth: h.auth, keyPath: h.keyPath };
    const started = Date.now();
    const test = await openSshLink({
      hops: port ? [target] : [...h.jump.map((j) => ({ ...j })), target],
      secrets: { password: this.secrets.password, passphrase: this.secrets.passphrase },
      policy: this.opts.policy,
      timeoutMs,
      via: port ? { client: link.client, port } : undefined,
    });
    try {
      const r = await execCapture(test.client, ['true'], { timeoutMs, label: `a test login on ${h.name}` });
      if (r.code !== 0) throw new FleetdeckError('access-denied', `A new login as ${h.user} on ${h.name}${port ? ` port ${port}` : ''} worked, but running a command did not (exit ${r.code}).`);
    } finally {
      test.close();
    }
    return `a new login as ${h.user} on ${h.name}${port ? ` (port ${port}, through this connection)` : ''} worked in ${Date.now() - started} ms, host key checked`;
  }

  /** A GET to a port on the host's own loopback (Prometheus), through this link: no port opened. */
  async localGet(port: number, path: string, timeoutMs?: number): Promise<{ status: number; body: string }> {
    const link = this.link;
    if (!link || this.stateValue.state !== 'connected') throw new FleetdeckError('disconnected', `${this.host.name} is not connected right now (${this.stateValue.state}).`);
    return forwardedGet(link.client, port, path, { timeoutMs, label: this.host.name });
  }

  /** A declared helper method, with the privilege asked for; the reply is checked against its schema. */
  async request<D extends HelperRequestDef>(def: D, params: HelperParams<D>, opts: { superuser?: Superuser; timeoutMs?: number } = {}): Promise<HelperResult<D>> {
    const helper = await this.helperForMethod(def.method, opts.superuser ?? 'none');
    const call = (h: HelperClient) => h.request(def, params, { timeoutMs: opts.timeoutMs ?? 60_000 });
    // A read the agent was answering when it stopped (restarted by an upgrade) is asked again of the helper.
    return helper !== this.agent ? call(helper) : call(helper).catch(async (err: unknown) => (helper.isClosed && this.link ? call(await this.helperFor(opts.superuser ?? 'none')) : Promise.reject(err)));
  }

  /**
   * Closes the helpers and the link. The references are dropped before anything is closed: a
   * close fires the helper's and the link's own close events synchronously, and those must find
   * nothing of theirs here (else a teardown would look like a lost link and schedule a reconnect).
   */
  private teardown(): void {
    const { deployed, link, agent } = this;
    this.root.close();
    this.deployed = null;
    this.deploying = null;
    this.agent = null;
    this.link = null;
    deployed?.helper.close();
    agent?.close();
    link?.close();
  }

  /** The user's disconnect: nothing reconnects until the user connects again. */
  disconnect(): void {
    this.cancelReconnect();
    this.abort.abort();
    this.lostAt = 0;
    this.attempt = 0;
    this.setState({ state: 'idle' });
    this.teardown();
  }

  dispose(): void {
    this.disposed = true;
    this.disconnect();
    this.secrets = {};
  }
}
