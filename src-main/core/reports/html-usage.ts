import type { UsageReport } from '../../../src-common/reports/report.schema.js';
import { formatBytes, formatCount, formatDateTime, formatHours, formatPercent, MISSING, TOP_HOSTS, TOP_USERS, USAGE_FIGURE_COLUMNS, type UsageFigures } from '../../../src-common/reports/report-format.js';
import { chart, section, tiles } from './html-parts.js';
import { html, table, type Column, type Html } from './html-template.js';
import { barChart, lineChart, PALETTE } from './svg-charts.js';

function figureColumns<T extends UsageFigures>(): Column<T>[] {
  return [
    ...USAGE_FIGURE_COLUMNS.map((c) => ({ header: c.header, cell: (u: T) => c.text(u), num: true })),
    { header: 'Peak mem · GPU', cell: (u) => html`${formatBytes(u.peakMemoryBytes)}<div class="sub-line">GPU ${u.peakGpuMemoryBytes ? formatBytes(u.peakGpuMemoryBytes) : MISSING}</div>`, num: true },
  ];
}

const avgMax = (avg: number | null, max: number | null) => (avg === null ? MISSING : `${formatPercent(avg)} / ${formatPercent(max)}`);

export function usageSections(r: UsageReport): Html {
  const tz = r.meta.timeZone;
  const hasGpu = r.totals.gpuHours > 0 || r.hosts.some((h) => h.gpuUtilAvg !== null);
  const monitored = r.hosts.filter((h) => h.samples > 0);
  const out: Html[] = [
    tiles([
      { label: 'CPU-hours', value: formatHours(r.totals.cpuHours) },
      { label: 'Memory', value: formatHours(r.totals.memoryGibHours), sub: 'GiB-hours' },
      { label: 'GPU-hours', value: formatHours(r.totals.gpuHours) },
      { label: 'GPU memory', value: formatHours(r.totals.gpuMemoryGibHours), sub: 'GiB-hours' },
      { label: 'Users', value: formatCount(r.totals.users) },
      { label: 'Monitored hosts', value: `${r.totals.monitoredHosts} of ${r.hosts.length}` },
    ]),
  ];
  if (r.notes.length) out.push(html`<div class="notes">${r.notes.map((n) => html`<div>${n}</div>`)}</div>`);
  if (!r.users.length && !monitored.length) {
    out.push(html`<p class="empty">No monitoring history in this period: start monitoring a host (open it and its Monitor tab, or keep the app running) and come back later.</p>`);
    return html`${out}`;
  }

  const top = r.users.slice(0, TOP_USERS);
  const series = [{ name: 'CPU-hours', color: PALETTE[0]! }, ...(hasGpu ? [{ name: 'GPU-hours', color: PALETTE[3]! }] : [])];
  const perUser: Html[] = [];
  if (top.length) {
    perUser.push(
      chart(
        r.users.length > TOP_USERS ? `CPU- and GPU-hours, top ${TOP_USERS} users` : hasGpu ? 'CPU- and GPU-hours per user' : 'CPU-hours per user',
        barChart({ title: 'Hours per user', series, rows: top.map((u) => ({ label: u.user, values: hasGpu ? [u.cpuHours, u.gpuHours] : [u.cpuHours] })), format: formatHours }),
      ),
    );
  }
  perUser.push(
    table<UsageReport['users'][number]>([{ header: 'User', cell: (u) => html`${u.user}<div class="sub-line">${u.hosts.join(', ')}</div>` }, { header: 'Group', cell: (u) => u.group ?? MISSING }, ...figureColumns()], r.users, {
      empty: 'No per-user usage in this period (the helper attributes processes to users while a host is monitored).',
    }),
  );
  out.push(section('Usage per user', perUser, 'memory as GiB-hours; peaks are the highest one-minute average on one host'));
  out.push(
    section(
      'Usage per group',
      table<UsageReport['groups'][number]>([{ header: 'Group', cell: (g) => html`${g.group ?? '— (unknown)'}<div class="sub-line">${g.users.join(', ')}</div>` }, ...figureColumns()], r.groups, { empty: 'No usage in this period.' }),
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
    const busiest = r.timeline.hosts
      .map((h, i) => ({ h, avg: r.hosts[i]?.cpuAvg ?? -1 }))
      .filter((x) => x.h.cpu.some((v) => v !== null) || x.h.mem.some((v) => v !== null))
      .sort((a, b) => b.avg - a.avg)
      .slice(0, TOP_HOSTS)
      .map((x) => x.h);
    const spanDays = (r.meta.until - r.meta.since) / 86_400_000;
    const xFormat = (t: number) => (spanDays > 2 ? formatDateTime(t, tz).slice(5, 10) : formatDateTime(t, tz).slice(11));
    const line = (title: string, pick: (h: (typeof busiest)[number]) => (number | null)[]) =>
      chart(title, lineChart({ title, t: r.timeline.t, lines: busiest.map((h, i) => ({ name: h.host, color: PALETTE[i % PALETTE.length]!, values: pick(h) })), yMax: 100, yFormat: (v) => `${v}%`, xFormat }));
    if (busiest.length) {
      util.push(line('CPU utilisation over the period', (h) => h.cpu), line('Memory use over the period', (h) => h.mem));
      if (hasGpu) util.push(line('GPU utilisation over the period', (h) => h.gpuUtil));
    }
  }
  util.push(
    table(
      [
        { header: 'Host', cell: (h: UsageReport['hosts'][number]) => h.host },
        { header: 'Monitored h', cell: (h) => formatHours(h.monitoredHours), num: true },
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
        table<UsageReport['hostUsers'][number]>([{ header: 'Host', cell: (u) => u.host }, { header: 'User', cell: (u) => u.user }, { header: 'Group', cell: (u) => u.group ?? MISSING }, ...figureColumns()], r.hostUsers),
      ),
    );
  }
  return html`${out}`;
}
