import type { ModuleInfo, SettingField } from '../../src-common/change/modules.contract.js';
import { checkModuleSettings } from '../../src-common/modules/index.js';

/** The wizard's pure parts (unit tested): steps, module dependencies, settings forms. */

export const WIZARD_STEPS = [
  { id: 'hosts', label: 'Hosts' },
  { id: 'modules', label: 'Modules' },
  { id: 'settings', label: 'Settings' },
  { id: 'preflight', label: 'Preflight' },
  { id: 'plan', label: 'Review plan' },
  { id: 'apply', label: 'Apply' },
  { id: 'result', label: 'Result' },
] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number]['id'];

export function stepIndex(step: WizardStep): number {
  return WIZARD_STEPS.findIndex((s) => s.id === step);
}

/**
 * Adds a module and, first, what it needs (recursively), unless a need is installed on every
 * chosen host already. Returns the new selection in the modules' own order and what was added
 * for which module, so the wizard can say why.
 */
export function chooseModule(chosen: readonly string[], id: string, infos: readonly ModuleInfo[], installedEverywhere: ReadonlySet<string> = new Set()): { modules: string[]; added: { id: string; because: string }[] } {
  const byId = new Map(infos.map((m) => [m.id, m]));
  const out = new Set(chosen);
  const added: { id: string; because: string }[] = [];
  const visit = (m: string, because: string | null, trail: Set<string>) => {
    if (trail.has(m)) return; // a cycle: the core refuses it with its own message
    if (!out.has(m)) {
      out.add(m);
      if (because) added.push({ id: m, because });
    }
    for (const need of byId.get(m)?.needs ?? []) {
      if (out.has(need) || installedEverywhere.has(need)) continue;
      visit(need, m, new Set([...trail, m]));
    }
  };
  visit(id, null, new Set());
  return { modules: orderModules([...out], infos), added };
}

/**
 * Removes a module and the modules that were only there because it (or another removed one)
 * needed them. A module that a remaining chosen module needs stays (the UI disables it).
 */
export function unchooseModule(chosen: readonly string[], id: string, infos: readonly ModuleInfo[], autoAdded: Readonly<Record<string, string>>): { modules: string[]; removed: string[] } {
  const byId = new Map(infos.map((m) => [m.id, m]));
  let out = chosen.filter((m) => m !== id);
  const removed = [id];
  for (;;) {
    const needed = new Set(out.flatMap((m) => byId.get(m)?.needs ?? []));
    const drop = out.filter((m) => m in autoAdded && !needed.has(m));
    if (!drop.length) break;
    out = out.filter((m) => !drop.includes(m));
    removed.push(...drop);
  }
  return { modules: orderModules(out, infos), removed };
}

/** The chosen modules that need this one (it cannot be unchosen while they are chosen). */
export function requiredBy(id: string, chosen: readonly string[], infos: readonly ModuleInfo[]): string[] {
  return infos.filter((m) => chosen.includes(m.id) && m.id !== id && m.needs.includes(id)).map((m) => m.id);
}

/** In the order the core lists them (the wizard's order). */
export function orderModules(ids: readonly string[], infos: readonly ModuleInfo[]): string[] {
  const order = infos.map((m) => m.id);
  return [...ids].sort((a, b) => (order.indexOf(a) === -1 ? 999 : order.indexOf(a)) - (order.indexOf(b) === -1 ? 999 : order.indexOf(b)));
}

/** A form value as its control holds it: text for text, number, select, secret and list (one per line); a boolean for a checkbox. */
export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;

function fieldValue(field: SettingField, v: unknown): FormValue {
  switch (field.kind) {
    case 'boolean':
      return v === true;
    case 'list':
      return Array.isArray(v) ? v.map(String).join('\n') : typeof v === 'string' ? v : '';
    case 'secret':
      return '';
    default:
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number);
  }
}

/** The form's starting values: stored settings where given (never secrets), else the defaults. */
export function initialValues(info: ModuleInfo, stored?: Record<string, unknown> | null): FormValues {
  return Object.fromEntries(info.fields.map((f) => [f.key, fieldValue(f, stored && f.key in stored ? stored[f.key] : info.defaults[f.key])]));
}

/** The form as settings: numbers as numbers where they read as one, lists split, the rest as typed. */
export function toSettings(info: ModuleInfo, values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of info.fields) {
    const v = values[f.key];
    if (v === undefined) continue;
    switch (f.kind) {
      case 'boolean':
        out[f.key] = v === true;
        break;
      case 'number': {
        const text = String(v).trim();
        out[f.key] = text !== '' && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
        break;
      }
      case 'list':
        out[f.key] = String(v)
          .split(/[\n,]/)
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      default:
        out[f.key] = String(v);
    }
  }
  return out;
}

export interface FormErrors {
  /** Field key → first message. */
  fields: Record<string, string>;
  /** Problems not about one field of the form. */
  form: string[];
}

/** The module's own schema over the form, as the core will check it. */
export function validateForm(info: ModuleInfo, values: FormValues): FormErrors {
  const issues = checkModuleSettings(info.id, info.defaults, toSettings(info, values));
  const keys = new Set(info.fields.map((f) => f.key));
  const out: FormErrors = { fields: {}, form: [] };
  for (const i of issues) {
    if (keys.has(i.field)) out.fields[i.field] ??= i.message;
    else out.form.push(i.field ? `${i.field}: ${i.message}` : i.message);
  }
  return out;
}

/** The core's refusal (invalid-input, details.issues with path and message) as field messages of one module. */
export function serverIssues(details: Record<string, unknown> | undefined, info: ModuleInfo): FormErrors | null {
  if (!details || details.module !== info.id || !Array.isArray(details.issues)) return null;
  const keys = new Set(info.fields.map((f) => f.key));
  const out: FormErrors = { fields: {}, form: [] };
  for (const raw of details.issues as unknown[]) {
    if (!raw || typeof raw !== 'object') continue;
    const { path, message } = raw as { path?: unknown; message?: unknown };
    const field = Array.isArray(path) && path.length ? String(path[0]) : '';
    const text = typeof message === 'string' ? message : 'refused';
    if (keys.has(field)) out.fields[field] ??= text;
    else out.form.push(field ? `${field}: ${text}` : text);
  }
  return out;
}

/** Settings every host stored for a module, when they all agree (the form starts from them); else null. */
export function commonStored(perHost: readonly (readonly { module: string; settings: Record<string, unknown> }[] | undefined)[], id: string): Record<string, unknown> | null {
  let found: Record<string, unknown> | null = null;
  for (const list of perHost) {
    const mine = list?.find((i) => i.module === id);
    if (!mine) return null;
    if (found && JSON.stringify(found) !== JSON.stringify(mine.settings)) return null;
    found = mine.settings;
  }
  return found;
}

/** What each step is for, under its title. */
export const STEP_HELP: Record<WizardStep, string> = {
  hosts: 'Pick the hosts to set up. Each gets its own task; several run in parallel.',
  modules: 'Choose what to install. A module that needs another adds it, and says so.',
  settings: 'Settings are checked as you type, with the same rules the core uses.',
  preflight: 'Fleetdeck reads each host before changing anything: its distribution, service manager, package manager, root access, free disk, the ports these modules open, and whether it reaches what they download.',
  plan: 'Nothing has changed yet. This is exactly what applying will do on each host.',
  apply: 'The hosts apply their plans in parallel; each step is journaled on the host and recorded in the audit log.',
  result: 'What each host ended with: the checks verify ran against the real system, with what it saw. A change can be rolled back here or later from the host’s Services tab.',
};
