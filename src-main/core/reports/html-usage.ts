import type { UsageReport } from '../../../src-common/reports/report.schema.js';
import {
  figureColumn,
  formatBytes,
  formatCount,
  formatDateTime,
  formatFigure,
  formatTick,
  formatPercent,
  groupLabel,
  groupNotes,
  MISSING,
  TOP_HOSTS,
  TOP_USERS,
  usageUnitName,
  type UsageFigures,
} from '../../../src-common/reports/report-format.js';
import type { GroupMissing } from '../../../src-common/reports/report.schema.js';
import { computeUnit, groupedFigureColumns, usageSummaryStrip } from '../../../src-common/reports/report-units.js';
import { chart, section, tiles } from './html-parts.js';
import { html, table, type Column, type Html } from './html-template.js';
import { barChart, lineChart, PALETTE } from './svg-charts.js';

/** The figure columns: each group that is read together (CPU with GPU, memory with GPU memory) in one unit, as the app's preview shows them (report-units.ts). */
function figureColumns<T extends UsageFigures>(rows: readonly T[]): Column<T>[] {
  return [
    ...groupedFigureColumns(rows).map((c) => ({ header: c.header, unit: c.unit, cell: (u: T) => c.text(u), num: true })),
    { header: 'Peak mem · GPU', cell: (u) => html`${formatBytes(u.peakMemoryBytes)}<div class="sub-line">GPU ${u.peakGpuMemoryBytes ? formatBytes(u.peakGpuMemoryBytes) : MISSING}</div>`, num: true },
  ];
}

/** A group's name, or why there is none, set apart as a note. */
function group(row: { group: string | null; groupMissing?: GroupMissing | null }): Html {
  const g = groupLabel(row);
  return g.note ? html`<span class="group-note">${g.text}</span>` : html`${g.text}`;
}

/** What "not in inventory" and the like mean, under the tables that use them. */
function groupLegend(rows: readonly { group: string | null; groupMissing?: GroupMissing | null }[]): Html | null {
  const notes = groupNotes(rows);
  return notes.length ? html`<p class="legend-notes">${notes.map((n, i) => html`${i ? html`<br>` : null}${n}`)}</p>` : null;
}

const avgMax = (avg: number | null, max: number | null) => (avg === null ? MISSING : `${formatPercent(avg)} / ${formatPercent(max)}`);

export function usageSections(r: UsageReport): Html {
  const tz = r.meta.timeZone;
  const hasGpu = r.totals.gpuHours > 0 || r.hosts.some((h) => h.gpuUtilAvg !== null);
  const monitored = r.hosts.filter((h) => h.samples > 0);
  const out: Html[] = [
    tiles(usageSummaryStrip(r)),
  ];
  if (r.notes.length) out.push(html`<div class="notes">${r.notes.map((n) => html`<div>${n}</div>`)}</div>`);
  if (!r.users.length && !monitored.length) {
    out.push(html`<p class="empty">No monitoring history in this period: start monitoring a host (open it and its Monitor tab, or keep the app running) and come back later.</p>`);
    return html`${out}`;
  }

  const top = r.users.slice(0, TOP_USERS);
  // CPU and GPU bars share one axis, so one unit: the one the largest bar reads best in.
  // The same unit as the CPU and GPU columns of the table below it.
  const unit = computeUnit(r.users);
  const cpuName = usageUnitName('cpu', unit);
  const gpuName = usageUnitName('gpu', unit);
  const series = [{ name: cpuName, color: PALETTE[0]! }, ...(hasGpu ? [{ name: gpuName, color: PALETTE[3]! }] : [])];
  const perUser: Html[] = [];
  if (top.length) {
    const what = hasGpu ? `CPU- and GPU-${unit.word}` : cpuName;
    perUser.push(
      chart(
        r.users.length > TOP_USERS ? `${what}, top ${TOP_USERS} users` : `${what} per user`,
        barChart({ title: `${what} per user`, series, rows: top.map((u) => ({ label: u.user, values: (hasGpu ? [u.cpuHours, u.gpuHours] : [u.cpuHours]).map((h) => h / unit.hours) })), format: formatFigure, tickFormat: formatTick }),
      ),
    );
  }
  perUser.push(
    table<UsageReport['users'][number]>([{ header: 'User', cell: (u) => html`${u.user}<div class="sub-line">${u.hosts.join(', ')}</div>`, className: 'name' }, { header: 'Group', cell: group, className: 'name' }, ...figureColumns(r.users)], r.users, {
      empty: 'No per-user usage in this period (the helper attributes processes to users while a host is monitored).',
    }),
    groupLegend(r.users) ?? html``,
  );
  out.push(section('Usage per user', perUser, 'peaks are the highest one-minute average on one host'));
  out.push(
    section(
      'Usage per group',
      [
        table<UsageReport['groups'][number]>([{ header: 'Group', cell: (g) => html`${group(g)}<div class="sub-line">${g.users.join(', ')}</div>`, className: 'name' }, ...figureColumns(r.groups)], r.groups, { empty: 'No usage in this period.' }),
        groupLegend(r.groups) ?? html``,
      ],
      'the users’ primary groups from the hosts’ stored inventories',
    ),
  );

  const hostSeries = [
    { name: 'CPU', color: PALETTE[0]! },
    { name: 'Memory', color: PALETTE[1]! },
    ...(hasGpu ? [{ name: 'GPU', color: PALETTE[3]! }] : []),
  ];
  const util: Html[] = [];
  if (monitored.length) {
    util.push(
      chart(
        'Average utilisation per host (the lighter bar reaches the maximum)',
        barChart({
          title: 'Utilisation per host',
          series: hostSeries,
          rows: monitored.map((h) => ({ label: h.host, values: [h.cpuAvg, h.memAvg, ...(hasGpu ? [h.gpuUtilAvg] : [])], markers: [h.cpuMax, h.memMax, ...(hasGpu ? [h.gpuUtilMax] : [])] })),
          format: (v) => formatPercent(v),
          max: 100,
        }),
      ),
    );
    const spanDays = (r.meta.until - r.meta.since) / 86_400_000;
    const xFormat = (t: number) => (spanDays > 2 ? formatDateTime(t, tz).slice(5, 10) : formatDateTime(t, tz).slice(11));
    // Each chart shows the hosts busiest in what it draws (at most TOP_HOSTS, those with data for
    // it: no GPU, no GPU line); a host keeps its colour from one chart to the next.
    const colours = new Map<string, string>();
    const colour = (host: string) => {
      if (!colours.has(host)) colours.set(host, PALETTE[colours.size % PALETTE.length]!);
      return colours.get(host)!;
    };
    type Series = UsageReport['timeline']['hosts'][number];
    const line = (title: string, pick: (h: Series) => (number | null)[], avg: (h: UsageReport['hosts'][number] | undefined) => number | null | undefined) => {
      const withData = r.timeline.hosts.map((h, i) => ({ h, avg: avg(r.hosts[i]) ?? -1 })).filter((x) => pick(x.h).some((v) => v !== null));
      const shown = withData.sort((a, b) => b.avg - a.avg).slice(0, TOP_HOSTS).map((x) => x.h);
      if (!shown.length) return null;
      const heading = withData.length > shown.length ? `${title}, the ${shown.length} busiest hosts` : title;
      return chart(heading, lineChart({ title, t: r.timeline.t, lines: shown.map((h) => ({ name: h.host, color: colour(h.host), values: pick(h) })), yMax: 100, yFormat: (v) => `${v}%`, xFormat }));
    };
    for (const c of [
      line('CPU utilisation over the period', (h) => h.cpu, (h) => h?.cpuAvg),
      line('Memory use over the period', (h) => h.mem, (h) => h?.memAvg),
      hasGpu ? line('GPU utilisation over the period', (h) => h.gpuUtil, (h) => h?.gpuUtilAvg) : null,
    ]) {
      if (c) util.push(c);
    }
  }
  const monitoredCol = figureColumn(r.hosts, (h) => h.monitoredHours, 'time');
  util.push(
    table(
      [
        { header: 'Host', cell: (h: UsageReport['hosts'][number]) => h.host, className: 'name' },
        { header: 'Monitored', unit: monitoredCol.unit, cell: (h) => monitoredCol.text(h), num: true },
        { header: 'Samples', cell: (h) => formatCount(h.samples), num: true },
        { header: 'CPU avg / max', cell: (h) => avgMax(h.cpuAvg, h.cpuMax), num: true },
        { header: 'Memory avg / max', cell: (h) => avgMax(h.memAvg, h.memMax), num: true },
        { header: 'GPU avg / max', cell: (h) => avgMax(h.gpuUtilAvg, h.gpuUtilMax), num: true },
        { header: 'GPU mem avg / max', cell: (h) => avgMax(h.gpuMemAvg, h.gpuMemMax), num: true },
        { header: 'Load avg / max', cell: (h) => (h.load1Avg === null ? MISSING : `${h.load1Avg.toFixed(2)} / ${(h.load1Max ?? 0).toFixed(2)}`), num: true },
      ],
      r.hosts,
      { empty: 'No hosts in this report.' },
    ),
  );
  out.push(section('Utilisation per host', util, r.resolution === '1m' ? 'from one-minute averages' : 'from one-hour averages'));
  if (r.hostUsers.length) {
    out.push(
      section(
        'Usage per host and user',
        [
          table<UsageReport['hostUsers'][number]>([{ header: 'Host', cell: (u) => u.host, className: 'name' }, { header: 'User', cell: (u) => u.user, className: 'name' }, { header: 'Group', cell: group, className: 'name' }, ...figureColumns(r.hostUsers)], r.hostUsers),
          groupLegend(r.hostUsers) ?? html``,
        ],
      ),
    );
  }
  return html`${out}`;
}
