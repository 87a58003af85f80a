import type { HelperContext } from '../context.js';
import { parsePasswd } from '../inventory/local-users.js';

/** New accounts are rare; re-reading /etc/passwd every sample would be most of a quiet sample's work. */
const REFRESH_MS = 60_000;

export interface UserNames {
  nameOf(uid: number): string | null;
  uidOf(name: string): number | null;
}

/** uid ↔ login name from /etc/passwd (local accounts; LDAP/SSSD users show as their uid). */
export class UserDirectory implements UserNames {
  private byUid = new Map<number, string>();
  private byName = new Map<string, number>();
  private readAt = -Infinity;

  constructor(
    private readonly ctx: HelperContext,
    private readonly now: () => number = Date.now,
  ) {}

  async refresh(): Promise<void> {
    if (this.now() - this.readAt < REFRESH_MS) return;
    this.readAt = this.now();
    const entries = parsePasswd((await this.ctx.readText('/etc/passwd')) ?? '');
    this.byUid = new Map();
    this.byName = new Map();
    // The first line wins, as getpwuid() does when two names share a uid.
    for (const e of entries) {
      if (!this.byUid.has(e.uid)) this.byUid.set(e.uid, e.name);
      if (!this.byName.has(e.name)) this.byName.set(e.name, e.uid);
    }
  }

  nameOf(uid: number): string | null {
    return this.byUid.get(uid) ?? null;
  }

  uidOf(name: string): number | null {
    return this.byName.get(name) ?? null;
  }
}
