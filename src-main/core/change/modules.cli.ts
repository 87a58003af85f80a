import type { ModuleInfo, SettingField } from '../../../src-common/change/modules.contract.js';
import type { JournalSummary } from '../../../src-common/change/plan.schema.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FleetdeckError } from '../../../src-common/problems.js';
import type { Flags } from '../cli/args.js';
import { defineCommand, type CliCommand, type FlagGroup } from '../cli/command.js';
import { CONNECT_FLAGS, dataDir } from '../cli/target.js';
import { Fleet } from '../fleet.js';
import { allModules } from '../modules/index.js';
import type { ModuleRequest } from './change-service.js';
import { ChangeStore } from './change-store.js';
import { confirm, formatChecks, formatPlan, progress, showThenApply, withOpened } from './change.cli-shared.js';
import { moduleSecret } from './module-secrets.js';
import { whoseJournal } from './as-login.js';

/**
 * `fleetdeck modules list|plan|apply|verify|rollback|journals`: the change engine from a shell,
 * with the app's rules: apply shows the plan and asks (unless --yes), refuses a host that
 * changed since, streams progress, verifies; verify exits non-zero when a check fails.
 */
const CHANGE_FLAGS: FlagGroup = {
  title: 'Change options',
  flags: {
    set: { value: 'KEY=VALUE', repeat: true, help: 'a module setting (MODULE.KEY=VALUE when several modules are named); repeatable' },
    'settings-file': { value: 'FILE', help: 'settings as JSON: {"key": value}, or {"MODULE": {...}} when several modules are named (per-user limits take theirs this way); --set goes on top' },
    yes: { alias: 'y', help: 'do not ask before changing the host' },
    quiet: { alias: 'q', help: 'print only the result' },
  },
};

const CLI_EXAMPLES = `Modules: ${allModules().map((m) => m.info.id).join(', ')}. Settings: "fleetdeck modules list --verbose".
Examples:
  fleetdeck modules plan gpu-1 nginx --set serverName=gpu-1.lab.example.org
  fleetdeck modules apply gpu-1 docker nginx --set docker.admins=alice,bob --set nginx.tls=internal-ca
  fleetdeck modules verify gpu-1
  fleetdeck modules rollback gpu-1            # the newest change
  sudo fleetdeck modules apply --local firewall --yes`;


/** `--set a=1 --set nginx.tls=acme` → per-module settings, each value typed by the module's form field. */
export function moduleRequests(names: string[], sets: string[], modules: ModuleInfo[], base: Record<string, Record<string, unknown>> = {}): ModuleRequest[] {
  if (!names.length) throw new FleetdeckError('invalid-input', `Name at least one module: ${modules.map((m) => m.id).join(', ')}.`);
  const byId = new Map(modules.map((m) => [m.id, m]));
  const requests = names.map((n) => {
    if (!byId.has(n)) throw new FleetdeckError('invalid-input', `There is no module "${n.slice(0, 40)}". Modules: ${modules.map((m) => m.id).join(', ')}.`);
    return { id: n, settings: { ...base[n] } as Record<string, unknown> };
  });
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new FleetdeckError('invalid-input', `--set takes KEY=VALUE, e.g. --set serverName=gpu-1.lab (got "${s.slice(0, 60)}").`);
    let key = s.slice(0, eq);
    const raw = s.slice(eq + 1);
    let req = requests.length === 1 ? requests[0]! : undefined;
    const dot = key.indexOf('.');
    if (dot > 0 && byId.has(key.slice(0, dot))) {
      req = requests.find((r) => r.id === key.slice(0, dot));
      if (!req) throw new FleetdeckError('invalid-input', `--set ${key}: module ${key.slice(0, dot)} is not one of the modules named (${names.join(', ')}).`);
      key = key.slice(dot + 1);
    }
    if (!req) throw new FleetdeckError('invalid-input', `--set ${key.slice(0, 40)}: several modules are named; write MODULE.${key.slice(0, 40)}=VALUE.`);
    const field = byId.get(req.id)!.fields.find((f) => f.key === key);
    if (!field) throw new FleetdeckError('invalid-input', `${req.id} has no setting "${key.slice(0, 40)}". Its settings: ${byId.get(req.id)!.fields.map((f) => f.key).join(', ') || 'none'}.`);
    req.settings[key] = typed(field, raw);
  }
  return requests;
}

function typed(field: SettingField, raw: string): unknown {
  switch (field.kind) {
    case 'number':
      return raw.trim() === '' ? raw : Number(raw);
    case 'boolean':
      if (/^(true|yes|on|1)$/i.test(raw)) return true;
      if (/^(false|no|off|0)$/i.test(raw)) return false;
      throw new FleetdeckError('invalid-input', `${field.key} is true or false (got "${raw.slice(0, 40)}").`);
    case 'list':
      return raw.split(',').map((v) => v.trim()).filter(Boolean);
    default:
      return raw;
  }
}

/** Module names and --set values checked against the modules' own schemas, before connecting. */
function checkRequests(rest: string[], setValues: string[], flags: Flags): void {
  const modules = allModules();
  for (const req of moduleRequests(rest, setValues, modules.map((m) => m.info), settingsFile(flags, rest))) {
    const m = modules.find((x) => x.info.id === req.id)!;
    const parsed = m.settings.safeParse({ ...m.info.defaults, ...req.settings });
    if (!parsed.success) throw new FleetdeckError('invalid-input', `${m.info.title} settings: ${parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`);
  }
}

/** --settings-file: the JSON settings of the named modules (checked by their schemas like --set). */
export function settingsFile(flags: Flags, names: string[]): Record<string, Record<string, unknown>> {
  const file = flags['settings-file'];
  if (typeof file !== 'string') return {};
  let parsed: unknown;
  try {
    const text = readFileSync(path.resolve(file), 'utf8');
    if (text.length > 4 * 1024 * 1024) throw new FleetdeckError('invalid-input', `${file.slice(0, 200)} is over 4 MiB: settings are not that large.`);
    parsed = JSON.parse(text);
  } catch (err) {
    if (err instanceof FleetdeckError) throw err;
    throw new FleetdeckError('invalid-input', `Could not read the settings in ${file.slice(0, 200)}: ${(err as Error).message.slice(0, 200)}. It is JSON, e.g. {"users": [{"user": "alice", "memory": "8G"}]}.`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) throw new FleetdeckError('invalid-input', `${file.slice(0, 200)} must hold one JSON object of settings.`);
  if (names.length === 1) return { [names[0]!]: parsed };
  const out: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!names.includes(k)) throw new FleetdeckError('invalid-input', `${file.slice(0, 200)}: "${k.slice(0, 40)}" is not one of the modules named (${names.join(', ')}); with several modules the file is {"MODULE": {settings}}.`);
    if (!isObject(v)) throw new FleetdeckError('invalid-input', `${file.slice(0, 200)}: the settings of ${k} must be a JSON object.`);
    out[k] = v;
  }
  return out;
}

const sets = (flags: Flags): string[] => (Array.isArray(flags.set) ? flags.set : typeof flags.set === 'string' ? [flags.set] : []);

export const modulesCommands: CliCommand[] = [
  defineCommand({
    path: ['modules', 'ca-cert'],
    args: '',
    summary: "Fleetdeck's internal certificate authority: the certificate to trust (PEM), made on first use",
    details:
      'Modules set to tls=internal-ca get certificates signed by this CA. Import it once into your browser or system trust store (Debian: copy it to /usr/local/share/ca-certificates/fleetdeck.crt and run update-ca-certificates), after checking its SHA-256 fingerprint.\n  fleetdeck modules ca-cert --out fleetdeck-ca.crt',
    flags: [{ title: 'Output', flags: { out: { value: 'FILE', help: 'write the certificate to FILE (not over an existing file) instead of standard output' } } }],
    maxArgs: 0,
    run: async ({ flags, io }) => {
      const fleet = new Fleet({ dataDir: dataDir(flags) });
      try {
        const ca = fleet.change.caCertificate();
        if (flags.json) {
          io.stdout.write(`${JSON.stringify(ca, null, 2)}\n`);
          return 0;
        }
        const about = `Fleetdeck CA ${ca.subject}\n  fingerprint ${ca.sha256}\n  valid ${new Date(ca.validFrom).toISOString().slice(0, 10)} to ${new Date(ca.validTo).toISOString().slice(0, 10)}\n  kept in ${ca.path}\n`;
        if (typeof flags.out === 'string') {
          try {
            writeFileSync(path.resolve(flags.out), ca.pem, { flag: 'wx', mode: 0o644 });
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            throw new FleetdeckError('invalid-input', code === 'EEXIST' ? `${flags.out.slice(0, 200)} exists already: choose another file or remove it first.` : `Could not write ${flags.out.slice(0, 200)}: ${(err as Error).message}`);
          }
          io.stdout.write(`${about}  written to ${path.resolve(flags.out)}\n`);
        } else {
          io.stderr.write(about);
          io.stdout.write(ca.pem);
        }
        return 0;
      } finally {
        fleet.close();
      }
    },
  }),
  defineCommand({
    path: ['modules', 'list'],
    args: '[HOST]',
    summary: 'the modules Fleetdeck installs (and, for a stored host, what is installed there)',
    details: 'With --verbose each module\'s settings and defaults are listed.',
    flags: [],
    maxArgs: 1,
    run: async ({ positionals, flags, io }) => {
      const infos = allModules().map((m) => m.info);
      let installed: { module: string; appliedAt: number; lastVerify: { ok: boolean; failed: string[] } | null }[] | null = null;
      if (positionals[0]) {
        const fleet = new Fleet({ dataDir: dataDir(flags) });
        try {
          const host = fleet.hosts.findByName(positionals[0]);
          if (!host) throw new FleetdeckError('not-found', `No stored host is called "${positionals[0].slice(0, 60)}" (fleetdeck hosts list).`);
          installed = new ChangeStore(fleet.db).installed(host.id);
        } finally {
          fleet.close();
        }
      }
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(installed ? { modules: infos, installed } : infos, null, 2)}\n`);
        return 0;
      }
      const lines = infos.map((m) => {
        const inst = installed?.find((i) => i.module === m.id);
        const state = installed ? (inst ? ` [installed ${new Date(inst.appliedAt).toISOString().slice(0, 16).replace('T', ' ')}${inst.lastVerify ? (inst.lastVerify.ok ? ', verified' : `, FAILED: ${inst.lastVerify.failed.join('; ')}`) : ''}]` : ' [not installed]') : '';
        const head = `${m.id.padEnd(9)} ${m.title}${state}${m.needs.length ? ` (needs ${m.needs.join(', ')})` : ''}`;
        if (!flags.verbose) return head;
        const shown = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v ?? ''));
        const fields = m.fields.map((f) => `    --set ${f.key}=${f.kind === 'secret' ? '…' : JSON.stringify(shown(m.defaults[f.key]))}${f.options ? ` (${f.options.map((o) => o.value).join(' | ')})` : ''}  ${f.label}${f.help ? `: ${f.help}` : ''}`);
        return [head, `    ${m.summary}`, ...m.notes.map((n) => `    • ${n}`), ...fields].join('\n');
      });
      io.stdout.write(`${lines.join(flags.verbose ? '\n\n' : '\n')}\n`);
      return 0;
    },
  }),
  defineCommand({
    path: ['modules', 'plan'],
    args: 'HOST|--local MODULE…',
    summary: 'what applying the modules would change on a host (nothing is changed)',
    details: CLI_EXAMPLES,
    flags: [CHANGE_FLAGS, CONNECT_FLAGS],
    maxArgs: 17,
    run: (ctx) =>
      withOpened(ctx, async ({ target, change }, rest) => {
        const plan = await change.plan(target, moduleRequests(rest, sets(ctx.flags), change.modules(), settingsFile(ctx.flags, rest)));
        ctx.io.stdout.write(ctx.flags.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatPlan(plan, ctx.io, !ctx.flags.quiet)}\n`);
        return 0;
      }, (rest) => checkRequests(rest, sets(ctx.flags), ctx.flags)),
  }),
  defineCommand({
    path: ['modules', 'apply'],
    args: 'HOST|--local MODULE…',
    summary: 'plan, show the plan, ask, apply with progress, then verify',
    details: `${CLI_EXAMPLES}\nExit status: 0 applied and verified, 1 a step or check failed (the journal id says how to roll back).`,
    flags: [CHANGE_FLAGS, CONNECT_FLAGS],
    maxArgs: 17,
    run: (ctx) =>
      withOpened(ctx, async ({ target, change }, rest) => showThenApply(ctx, { target, change }, await change.plan(target, moduleRequests(rest, sets(ctx.flags), change.modules(), settingsFile(ctx.flags, rest))), true), (rest) => checkRequests(rest, sets(ctx.flags), ctx.flags)),
  }),
  defineCommand({
    path: ['modules', 'verify'],
    args: 'HOST|--local [MODULE…]',
    summary: 'check installed modules against the real system (exit 1 when a check fails)',
    details: 'Without modules: every module Fleetdeck installed on the (stored) host.',
    flags: [CONNECT_FLAGS],
    maxArgs: 17,
    run: (ctx) =>
      withOpened(ctx, async ({ target, change }, rest) => {
        const results = await change.verify(target, rest.length ? rest : undefined);
        if (ctx.flags.json) ctx.io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        else for (const r of results) ctx.io.stdout.write(`${r.module}:\n${formatChecks(r.results, ctx.io)}\n`);
        return results.every((r) => r.results.every((c) => c.ok)) ? 0 : 1;
      }, (rest) => moduleRequests(rest.length ? rest : [allModules()[0]!.info.id], [], allModules().map((m) => m.info))),
  }),
  defineCommand({
    path: ['modules', 'rollback'],
    args: 'HOST|--local [JOURNAL]',
    summary: 'undo a change from the host\'s journal (default: the newest)',
    details: 'Files are restored from the journal\'s backups, packages the change installed are removed, services return to their earlier state; what cannot be undone is said.\n  fleetdeck modules journals gpu-1   lists the journals',
    flags: [{ title: 'Change options', flags: { yes: CHANGE_FLAGS.flags.yes!, quiet: CHANGE_FLAGS.flags.quiet! } }, CONNECT_FLAGS],
    maxArgs: 2,
    run: (ctx) =>
      withOpened(ctx, async ({ target, change }, rest) => {
        const journals = await change.journals(target);
        const j = rest[0] ? journals.find((x) => x.id === rest[0]) : journals.find((x) => x.status !== 'rolled-back');
        if (!j) throw new FleetdeckError('not-found', rest[0] ? `${target.hostName} has no journal ${rest[0].slice(0, 64)} ("fleetdeck modules journals ${target.hostName}" lists them).` : `Nothing to roll back on ${target.hostName}.`);
        await confirm(ctx.io, ctx.flags, `Roll back ${j.modules.join(', ')} (journal ${j.id}, ${j.completed} steps done) on ${target.hostName}?`);
        const detail = (await whoseJournal(target, j.id)).j; // root's, or the login user's own (the per-user agent)
        const r = await change.rollback(target, j.id, { onEvent: progress(ctx.io, ctx.flags, detail.steps) });
        if (ctx.flags.json) ctx.io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        else ctx.io.stdout.write(`${target.hostName}: ${r.status}${r.message ? ` — ${r.message}` : ''}\n`);
        return r.status === 'rolled-back' ? 0 : 1;
      }, (rest) => {
        if (rest[0] !== undefined && !/^[A-Za-z0-9-]{8,64}$/.test(rest[0])) throw new FleetdeckError('invalid-input', `"${rest[0].slice(0, 64)}" is not a journal id ("fleetdeck modules journals HOST" lists them).`);
      }),
  }),
  defineCommand({
    path: ['modules', 'secret'],
    args: 'HOST|--local MODULE [NAME]',
    summary: 'a password a module keeps on the host (backup, portainer, monitoring), read from its root-only file',
    details:
      'The value goes to standard output only (the audit log records that it was read, never the value). NAME defaults to the module\'s first secret.\n  fleetdeck modules secret gpu-1 backup              the restic repository password\n  fleetdeck modules secret gpu-1 monitoring grafanaPassword',
    flags: [CONNECT_FLAGS],
    maxArgs: 3,
    run: (ctx) =>
      withOpened(ctx, async ({ target, change }, rest) => {
        const info = change.module(rest[0]!).info;
        const r = await change.secret(target, info.id, rest[1] ?? info.secrets?.[0]?.key ?? '');
        if (ctx.flags.json) ctx.io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        else if (r.value === null) {
          ctx.io.stderr.write(`${target.hostName} has no ${r.label.toLowerCase()} (${r.path}): ${info.id} is not installed there, or has not made it yet.\n`);
          return 1;
        } else {
          ctx.io.stderr.write(`${r.label}${r.user ? ` (user ${r.user})` : ''}, from ${r.path} on ${target.hostName}:\n`);
          ctx.io.stdout.write(`${r.value}\n`);
        }
        return r.value === null ? 1 : 0;
      }, (rest) => {
        if (!rest[0]) throw new FleetdeckError('invalid-input', `Name the module: ${allModules().filter((m) => m.info.secrets?.length).map((m) => m.info.id).join(', ')}.`);
        const info = allModules().find((m) => m.info.id === rest[0])?.info;
        if (!info) throw new FleetdeckError('invalid-input', `There is no module "${rest[0].slice(0, 40)}" ("fleetdeck modules list" lists them).`);
        moduleSecret(info, rest[1] ?? info.secrets?.[0]?.key ?? '');
      }),
  }),
  defineCommand({
    path: ['modules', 'journals'],
    args: 'HOST|--local',
    summary: 'the changes recorded on a host (newest first), with how each ended',
    flags: [CONNECT_FLAGS],
    run: (ctx) =>
      withOpened(ctx, async ({ target, change }) => {
        const journals = await change.journals(target);
        ctx.io.stdout.write(ctx.flags.json ? `${JSON.stringify(journals, null, 2)}\n` : `${journals.length ? journals.map((j: JournalSummary) => `${j.id}  ${j.status.padEnd(15)} ${j.modules.join(',').padEnd(20)} ${j.completed}/${j.steps} steps${j.message ? `  ${j.message.split('\n')[0]}` : ''}`).join('\n') : `No changes recorded on ${target.hostName}.`}\n`);
        return 0;
      }),
  }),
];
