import { FleetdeckError, toProblem } from '../../../src-common/problems.js';
import { startElevatedHelper, type DeployResult } from '../agent/deploy.js';
import type { HelperClient } from '../agent/helper-client.js';
import type { SshLink } from '../ssh/connect.js';

/** A root helper started through sudo (or failed to): for the audit log. */
export type ElevateEvent = { ok: boolean; how: 'nopasswd' | 'password'; pid?: number; problem?: string; message?: string };

/**
 * A session's root helper: started through sudo on first need, once at a time, and adopted only
 * while the per-connection helper it was started next to is still the session's.
 */
export class RootHelperSlot {
  private root: HelperClient | null = null;
  private starting: Promise<HelperClient> | null = null;

  constructor(
    private readonly o: {
      label: () => string;
      log: (line: string) => void;
      onElevate?: (e: ElevateEvent) => void;
      /** The deployed helper now (a reconnect replaces it). */
      current: () => DeployResult | null;
      /** A sudo password that was refused is not tried again until the user gives a new one. */
      forgetSudoPassword: () => void;
    },
  ) {}

  get(link: SshLink, deployed: DeployResult, sudoPassword: string | undefined): Promise<HelperClient> {
    if (this.root && !this.root.isClosed) return Promise.resolve(this.root);
    if (!this.starting) {
      const how = deployed.facts.sudo === 'nopasswd' || !sudoPassword ? 'nopasswd' : 'password';
      this.starting = startElevatedHelper(link.client, deployed, { label: this.o.label(), password: sudoPassword, log: this.o.log })
        .catch((err: unknown) => {
          const p = toProblem(err);
          if (p.problem === 'authentication-failed') this.o.forgetSudoPassword();
          this.o.onElevate?.({ ok: false, how, problem: p.problem, message: p.message });
          throw err;
        })
        .then((h) => {
          // Disconnected (or reconnected) while sudo ran: this helper belongs to no live link.
          if (this.o.current() !== deployed) {
            h.close();
            throw new FleetdeckError('disconnected', `${this.o.label()} was disconnected while the root helper started.`);
          }
          this.root = h;
          this.o.log(`root helper started through sudo (pid ${h.init.pid})`);
          this.o.onElevate?.({ ok: true, how, pid: h.init.pid });
          return h;
        })
        .finally(() => {
          this.starting = null;
        });
    }
    return this.starting;
  }

  /** Drops the helper (closing it): a close event it fires finds nothing here. */
  /** A root helper runs for this link now. */
  get running(): boolean {
    return !!this.root && !this.root.isClosed;
  }

  close(): void {
    const root = this.root;
    this.root = null;
    this.starting = null;
    root?.close();
  }
}
