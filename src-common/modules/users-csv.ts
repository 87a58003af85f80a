import { userEntry, type UserEntry } from './users.js';
import { profileName } from './limits.js';

/**
 * Semester onboarding from a CSV (issue 11): one account per row, checked row by row before
 * anything runs, each bad row said with what is wrong. Columns by header name, in any order:
 *   name (required), full_name, email, groups (";" or spaces between), public_key, profile, expires
 * The email is checked and shown; the host keeps no email (it is for the admin's records).
 */
export interface CsvRow {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  name: string;
  entry: UserEntry | null;
  email: string | null;
  profile: string | null;
  problems: string[];
}

const COLUMNS = ['name', 'full_name', 'email', 'groups', 'public_key', 'profile', 'expires'] as const;
export const MAX_CSV_ROWS = 2000;

/** RFC 4180: fields in double quotes may hold commas, newlines and "" for a quote. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

const EMAIL = /^[^\s@,;:<>"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$/;

export function csvUsers(text: string): { rows: CsvRow[]; problem: string | null } {
  const all = parseCsv(text);
  if (!all.length) return { rows: [], problem: 'The file is empty: the first line names the columns (name,full_name,email,groups,public_key,profile,expires).' };
  const header = all[0]!.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  if (!header.includes('name')) return { rows: [], problem: `The first line must name the columns, with at least "name" (it has: ${header.join(', ').slice(0, 200) || 'nothing'}).` };
  if (unknown.length) return { rows: [], problem: `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')}: the columns are ${COLUMNS.join(', ')}.` };
  if (all.length - 1 > MAX_CSV_ROWS) return { rows: [], problem: `The file has ${all.length - 1} rows: at most ${MAX_CSV_ROWS} at once.` };
  const seen = new Map<string, number>();
  const rows = all.slice(1).map((cells, i): CsvRow => {
    const get = (c: (typeof COLUMNS)[number]) => (header.includes(c) ? (cells[header.indexOf(c)] ?? '').trim() : '');
    const line = i + 2;
    const name = get('name');
    const problems: string[] = [];
    if (cells.length > header.length) problems.push(`${cells.length} fields, ${header.length} columns (a comma in a value needs double quotes)`);
    const email = get('email') || null;
    if (email && !EMAIL.test(email)) problems.push(`email "${email.slice(0, 80)}" is not an address`);
    const profile = get('profile') || null;
    if (profile && !profileName.safeParse(profile).success) problems.push(`profile "${profile.slice(0, 40)}" is not a profile name (lowercase letters, digits, dashes)`);
    const raw: Record<string, unknown> = { name };
    if (get('full_name')) raw.fullName = get('full_name');
    if (get('groups')) raw.groups = get('groups').split(/[;\s]+/).filter(Boolean);
    if (get('public_key')) raw.keys = [get('public_key').replace(/\s+/g, ' ')];
    if (get('expires')) raw.expires = get('expires');
    const parsed = userEntry.safeParse(raw);
    if (!parsed.success) for (const issue of parsed.error.issues) problems.push(`${issue.path.length ? `${String(issue.path[0]) === 'keys' ? 'public_key' : String(issue.path[0]) === 'fullName' ? 'full_name' : String(issue.path[0])}: ` : ''}${issue.message}`);
    else if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) problems.push('name: a new account name is 1 to 32 lowercase letters, digits, "_" or "-", starting with a letter or "_"');
    const dup = seen.get(name);
    if (name && dup !== undefined) problems.push(`${name} is already on line ${dup}`);
    if (name) seen.set(name, line);
    return { line, name: name.slice(0, 64), entry: parsed.success && !problems.length ? parsed.data : null, email, profile, problems };
  });
  return { rows, problem: rows.length ? null : 'The file has a header but no rows.' };
}
