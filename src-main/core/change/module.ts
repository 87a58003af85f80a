import type { AuthMethod } from '../../../src-common/hosts/host.schema.js';
import type { z } from 'zod';
import type { Check } from '../../../src-common/change/plan.schema.js';
import type { Resource } from '../../../src-common/change/resource.schema.js';
import type { ModuleInfo } from '../../../src-common/change/modules.contract.js';
import type { KernelQuota } from '../../../src-common/modules/quota-support.js';
import type { Probe } from '../../../src-common/inventory/probe.schema.js';

/**
 * A module says what it wants; the engine does the rest (ARCHITECTURE.md, "Changing a host").
 * Given the host's facts and its validated settings, a module lists the resources it wants (in
 * order), the checks that prove it works, and what it needs to say (warnings, network). It never
 * runs anything itself, so a module's plan for any distribution family is a pure function,
 * tested on probe fixtures of that family.
 *
 * Conventions (every module follows them; the per-family and live tests rely on them):
 * - Settings and the description the wizard shows (ModuleInfo with its form fields) live in
 *   src-common/modules/<id>.ts as a classic zod schema, so the UI validates inline with the same
 *   rules; the module lives in src-main/core/modules/<id>.module.ts and is listed in
 *   src-main/core/modules/index.ts.
 * - Settings are validated before anything runs: names, paths, ports and domains are checked by
 *   the schema (refined, bounded), and never reach a shell: commands are argv arrays.
 * - Package names and config paths come from the probe (family.ts: byBackend), never from the
 *   distribution's name alone; an unknown backend or init is `unsupported()` with the reason.
 * - Check ids start with "<module id>-" (the Services tab files results under their module).
 * - Every resource a module wants is idempotent: planning again after an apply plans nothing.
 * - A config file is followed by the unit that uses it, with reloadOn/restartOn naming the file
 *   (resourceId) and checkBefore running the service's own checker (nginx -t, sshd -t).
 */
export interface HostFacts {
  probe: Probe;
  /** The login user (the admin Fleetdeck connects as). */
  user: string;
  uid: number;
  /** How Fleetdeck logs in (key, agent, password, keyboard-interactive); null without a login (--local). */
  auth?: AuthMethod | null;
  /** Where Fleetdeck keeps its files for the login user on the host (their own, absolute); null without a login (--local). */
  installDir?: string | null;
  hostName: string;
  /** The accounts the planned modules named (ChangeModule.accounts), resolved on the host: uid, and whether /etc/passwd or NSS (LDAP, SSSD) knows them. */
  accounts?: ReadonlyMap<string, { uid: number; source: 'files' | 'nss' }>;
  /** The groups the planned modules named (ChangeModule.groups), with their members on the host (also in accounts). */
  groups?: ReadonlyMap<string, readonly string[]>;
  /** Whether the host reaches each source the planned modules named (ChangeModule.sources), by source id. */
  reach?: ReadonlyMap<string, { ok: boolean | null; detail: string }>;
  /** Disk quotas (modules that ask, through quotaUsers): whether the kernel can enforce them, and each user's home mount. */
  quota?: {
    kernel: KernelQuota;
    homes: ReadonlyMap<string, { home: string; mount: string; fstype: string; source: string; quotaOn: boolean }>;
  };
}

/** Docker is on the host (its socket or client), as the probe found it. */
export const hasDocker = (facts: HostFacts) => facts.probe.containerRuntimes.some((r) => r.name === 'docker' && r.present);

/**
 * Fleetdeck's internal CA (pki.ts): one CA per data dir, its key kept there (0600), and leaf
 * certificates for hosts, issued once and reused until they near expiry, so planning twice
 * wants the same files (and plans nothing the second time).
 */
export interface InternalPki {
  /** The leaf for these names (first = subject), with its key, and the CA certificate (PEM). */
  issue(names: string[]): { certPem: string; keyPem: string; caPem: string };
  /** The CA certificate (PEM), for browsers to trust. */
  caPem(): string;
}

export interface ModuleContext<S> {
  /** The internal CA, where the core has a data dir (the app and the CLI do). */
  pki?: InternalPki;
  facts: HostFacts;
  settings: S;
  /** The settings it was last applied with on this host, if any: what to take away (a user no longer limited). */
  previous?: S;
  /** Every module this plan installs, or that is installed already: what depends on what. */
  modules: ReadonlySet<string>;
  /** Ports the other modules of this plan (or installed ones) open, for the firewall. */
  ports: readonly { port: number; proto: 'tcp' | 'udp'; module: string; why: string }[];
}

export interface ModuleSource {
  /** Unique across modules ("grafana-repo"); "mirror" is the host's own package mirror. */
  id: string;
  via: 'mirror' | 'apt' | 'http' | 'package';
  /** What is fetched (a small file: a signing key, a registry's /v2/), empty for the mirror; for 'package', the package's name. */
  url: string;
  /** What a person calls it ("Grafana’s apt repository (apt.grafana.com)"). */
  label: string;
}

/** False only when the host was asked and could not reach it (not checked counts as reachable). */
export const reachable = (facts: HostFacts, id: string) => facts.reach?.get(id)?.ok !== false;

export interface ChangeModule<S = unknown> {
  info: ModuleInfo;
  settings: z.ZodType<S>;
  /** Why this host cannot take the module (unknown package backend, no systemd/openrc), or null. */
  unsupported(facts: HostFacts, settings: S): string | null;
  /** What the host must reach to install it ("Debian's mirror", "download.docker.com"), or null. */
  network(ctx: ModuleContext<S>): string | null;
  /** Ports it opens, for the firewall module and the wizard. */
  opens(settings: S): { port: number; proto: 'tcp' | 'udp'; why: string }[];
  /**
   * It is built from the ports the other modules open (the firewall): when a later plan adds a
   * module that opens ports, this installed module is planned again with it, so the new port is
   * opened in the same change instead of staying closed.
   */
  followsPorts?: boolean;
  /** Accounts it needs resolved on the host before planning (their uids: HostFacts.accounts). */
  accounts?(settings: S, previous?: S): string[];
  /** Groups whose members it needs resolved on the host (HostFacts.groups). */
  groups?(settings: S, previous?: S): string[];
  /** The users whose home filesystems the plan needs to know (disk quotas), once the groups are resolved. */
  quotaUsers?(settings: S, groups: ReadonlyMap<string, readonly string[]> | undefined, previous?: S): string[];
  /**
   * What it fetches from outside the host's package mirror (a vendor repository, an image
   * registry), tried from the host before planning (HostFacts.reach): a part whose source cannot
   * be reached is left out of the plan, which says so.
   */
  sources?(settings: S, probe: Probe): ModuleSource[];
  /** It can also run without root (as the login account; the agent): what to choose then, said when the login has no root. */
  withoutRoot?: string;
  /** A port it opens that its own service may hold already (preflight does not call that busy). */
  ownsPort?(port: number, probe: Probe): boolean;
  resources(ctx: ModuleContext<S>): Resource[];
  checks(ctx: ModuleContext<S>): Check[];
  warnings(ctx: ModuleContext<S>): string[];
}

export function defineModule<S>(m: ChangeModule<S>): ChangeModule<S> {
  return m;
}
