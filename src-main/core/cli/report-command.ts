import { rename, rm, writeFile } from 'node:fs/promises';
import { flagValue, type Flags } from './args.js';
import path from 'node:path';
import { reportFormatSchema, reportKindSchema, type ReportFormat, type ReportKind } from '../../../src-common/reports/report.contract.js';
import { formatBytes, formatDateTime, localTimeZone, REPORT_TITLES } from '../../../src-common/reports/report-format.js';
import { FleetdeckError } from '../../../src-common/problems.js';
import { Fleet } from '../fleet.js';
import { DEFAULT_PERIOD_MS } from '../reports/report-query.js';
import { parseWhen } from './when.js';

export type { Flags };

const USAGE = 'fleetdeck report inventory|usage|audit [--since WHEN] [--until WHEN] [--host NAME[,NAME…]] --format pdf|csv|json|html --out FILE';
const EXTENSIONS: Record<string, ReportFormat> = { '.pdf': 'pdf', '.csv': 'csv', '.json': 'json', '.html': 'html', '.htm': 'html' };

function invalid(message: string): never {
  throw new FleetdeckError('invalid-input', message);
}

export interface ReportPlan {
  kind: ReportKind;
  format: ReportFormat;
  /** A file, or null for stdout. */
  out: string | null;
  since: number;
  until: number;
  hostNames: string[] | null;
}

/** What the flags ask for, validated; no data is read yet. */
export function planReport(positionals: string[], flags: Flags, now = Date.now()): ReportPlan {
  const [kindArg, ...extra] = positionals;
  const kind = reportKindSchema.safeParse(kindArg);
  if (!kind.success) invalid(kindArg ? `Unknown report "${kindArg}": use inventory, usage or audit. Usage: ${USAGE}` : `Name the report: ${USAGE}`);
  if (extra.length) invalid(`Unexpected "${extra[0]}": ${USAGE}`);
  const outArg = flagValue(flags, 'out', '--out usage.pdf (or --out - for stdout)');
  if (outArg !== undefined && (/[\0\n\r]/.test(outArg) || outArg.length > 4096 || path.basename(outArg).length > 255)) {
    invalid('--out must be a file name without NUL or line breaks, at most 255 characters per name (e.g. --out usage.pdf).');
  }
  const out = outArg === undefined || outArg === '-' ? null : path.resolve(outArg);
  const formatArg = flagValue(flags, 'format', '--format csv');
  let format: ReportFormat;
  if (formatArg !== undefined) {
    const f = reportFormatSchema.safeParse(formatArg.toLowerCase());
    if (!f.success) invalid(`--format ${JSON.stringify(formatArg)} is not a report format: use pdf, csv, json or html, e.g. --format csv.`);
    format = f.data;
  } else {
    const inferred = out ? EXTENSIONS[path.extname(out).toLowerCase()] : undefined;
    if (!inferred) invalid(`Say which format: --format pdf|csv|json|html (or give --out a file name ending in .pdf, .csv, .json or .html), e.g. --format csv --out usage.csv.`);
    format = inferred;
  }
  if (format === 'pdf' && !out) invalid('A PDF is written to a file: add --out FILE, e.g. --out usage.pdf.');
  const untilArg = flagValue(flags, 'until', '--until now');
  const sinceArg = flagValue(flags, 'since', '--since 7d');
  const until = untilArg === undefined ? now : parseWhen(untilArg, 'until', now);
  const since = sinceArg === undefined ? until - DEFAULT_PERIOD_MS : parseWhen(sinceArg, 'since', now);
  if (since >= until) invalid(`--since must be before --until (got ${new Date(since).toISOString()} → ${new Date(until).toISOString()}), e.g. --since 7d --until now.`);
  const hostArg = flagValue(flags, 'host', '--host gpu-1,gpu-2');
  const hostNames = hostArg === undefined ? null : hostArg.split(',').map((h) => h.trim()).filter(Boolean);
  if (hostNames && !hostNames.length) invalid('--host needs host names, e.g. --host gpu-1,gpu-2.');
  return { kind: kind.data, format, out, since, until, hostNames };
}

/** "2026-11-15 → 2026-11-22" for whole days, else with times. */
function periodText(since: number, until: number, tz: string): string {
  const midnight = (t: number) => formatDateTime(t, tz).endsWith(' 00:00') && new Date(t).getSeconds() === 0 && new Date(t).getMilliseconds() === 0;
  if (midnight(since) && midnight(until + 1)) return `${formatDateTime(since, tz).slice(0, 10)} → ${formatDateTime(until, tz).slice(0, 10)}`;
  return `${formatDateTime(since, tz)} → ${formatDateTime(until, tz)}`;
}

/** `fleetdeck report inventory|usage|audit [--since …] [--until …] [--host a,b] --format pdf|csv|json|html --out FILE` */
export async function reportCommand(positionals: string[], flags: Flags, ctx: { dataDir: string; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream }): Promise<void> {
  const plan = planReport(positionals, flags);
  const stdout = ctx.stdout ?? process.stdout;
  const stderr = ctx.stderr ?? process.stderr;
  const fleet = new Fleet({ dataDir: ctx.dataDir });
  try {
    let hostIds: number[] | undefined;
    if (plan.hostNames) {
      const known = fleet.hosts.list();
      const unknown = plan.hostNames.filter((n) => !fleet.hosts.findByName(n));
      if (unknown.length) {
        const list = known.length ? `Known hosts: ${known.map((h) => h.name).join(', ')}.` : 'No hosts are stored yet: fleetdeck hosts add USER@HOST --name NAME.';
        throw new FleetdeckError('not-found', `No host named ${unknown.map((n) => `"${n}"`).join(', ')}. ${list}`);
      }
      hostIds = [...new Set(plan.hostNames.map((n) => fleet.hosts.findByName(n)!.id))];
    }
    const timeZone = localTimeZone();
    const report = await fleet.reports.build({ kind: plan.kind, since: plan.since, until: plan.until, timeZone, ...(hostIds ? { hostIds } : {}) });
    const bytes = await fleet.reports.render(report, plan.format);
    if (plan.out) {
      // Written beside the target, then renamed: a failed run never leaves half a report.
      const tmp = `${plan.out}.${process.pid}.tmp`;
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, plan.out);
      } catch (err) {
        await rm(tmp, { force: true });
        throw new FleetdeckError('access-denied', `Cannot write ${plan.out}: ${(err as Error).message}`);
      }
    } else {
      await new Promise<void>((resolve, reject) => stdout.write(bytes, (err) => (err ? reject(err) : resolve())));
    }
    const hosts = report.meta.hosts.length;
    stderr.write(
      `wrote ${REPORT_TITLES[plan.kind].toLowerCase()} (${hosts} ${hosts === 1 ? 'host' : 'hosts'}, ${periodText(plan.since, plan.until, timeZone)}) to ${plan.out ?? 'stdout'} (${formatBytes(bytes.length)})\n`,
    );
  } finally {
    fleet.close();
  }
}
