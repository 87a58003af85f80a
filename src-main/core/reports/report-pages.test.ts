import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findChromium, htmlToPdf } from './pdf-chromium.js';
import { EVIL_HOST, NOW, reportFixture, T0, type Fixture } from './report-fixture.test-util.js';
import { reportHtml } from './report-html.js';
import { BIG_HOSTS, bigUsageReport } from './report-samples.test-util.js';

/**
 * Every report kind printed to PDF and its pages drawn as PNG under test-results/reports/pages,
 * for a person to look at (the fixture's reports, and a month on a busy cluster); the text of the
 * pages is checked for what a person would trip over: figures with long tails of decimals, and
 * table text cut off at the page's edge.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../../test-results/reports/pages');

function pages(name: string, pdf: Buffer): { text: string; pages: number } {
  const file = path.join(ARTIFACTS, `${name}.pdf`);
  writeFileSync(file, pdf);
  for (const old of readdirSync(ARTIFACTS).filter((n) => n.startsWith(`${name}-page`))) rmSync(path.join(ARTIFACTS, old));
  execFileSync('pdftoppm', ['-png', '-r', '60', file, path.join(ARTIFACTS, `${name}-page`)]);
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  return { text, pages: readdirSync(ARTIFACTS).filter((n) => n.startsWith(`${name}-page`)).length };
}

/** A figure of the kind this is about: "0.000833", "0.06666666". */
const LONG_FRACTION = /\b\d+\.\d{4,}\b/;

// Each test prints a PDF through a headless Chromium: seconds each, more on a busy machine.
describe.skipIf(!findChromium())('report PDF pages', { timeout: 90_000 }, () => {
  let f: Fixture;
  const period = { since: T0 - 3_600_000, until: NOW, timeZone: 'UTC' };
  beforeAll(async () => {
    f = await reportFixture();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(T0 + 5 * 60_000);
      f.audit.record({ hostId: f.gpu.id, hostName: 'gpu-1', operation: 'hosts.add', summary: 'added admin@10.0.0.1:22', result: 'ok' });
      vi.setSystemTime(T0 + 6 * 60_000);
      f.audit.record({
        hostId: f.evil.id,
        hostName: EVIL_HOST,
        operation: 'processes.kill',
        summary: `kill -TERM 4242 (python3 /home/alice/experiments/a-very-long-path-without-spaces/train_model_with_a_long_name.py --epochs=100)`,
        result: 'failed',
        problem: 'access-denied',
      });
    } finally {
      vi.useRealTimers();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(() => f.close());

  it('usage: figures in minutes with three significant figures, every column on the page', async () => {
    const e = await f.service.export({ kind: 'usage', ...period, format: 'pdf' });
    const { text, pages: n } = pages('usage', Buffer.from(e.contentBase64, 'base64'));
    expect(n).toBeGreaterThanOrEqual(2);
    expect(text).not.toMatch(LONG_FRACTION);
    expect(text).toMatch(/CPU-minutes/);
    // The right-most column's header and cells made it onto the page.
    expect(text).toMatch(/PEAK MEM · GPU/);
    expect(text).toMatch(/GPU 3\.00 GiB/);
  });

  it('inventory: long CPU models and GPU UUIDs wrap inside the page', async () => {
    const inv = pages('inventory', Buffer.from((await f.service.export({ kind: 'inventory', ...period, format: 'pdf' })).contentBase64, 'base64'));
    for (const s of ['Tesla T4', '515.105.01', '99096249601a', 'AMD EPYC 7302', 'ECC']) expect(inv.text).toContain(s);
  });

  it('audit: a long summary wraps, the problem code stays whole', async () => {
    const audit = pages('audit', Buffer.from((await f.service.export({ kind: 'audit', ...period, format: 'pdf' })).contentBase64, 'base64'));
    for (const s of ['processes.kill', 'access-denied', 'hosts.add', '--epochs=100)']) expect(audit.text).toContain(s);
  });

  it('a month on a busy cluster: thousands of CPU-hours next to seconds, long names, system accounts', async () => {
    const r = bigUsageReport();
    const { text } = pages('usage-month', await htmlToPdf(reportHtml(r)));
    expect(text).not.toMatch(LONG_FRACTION);
    for (const s of ['1,235', 'CPU-hours', 'not in inventory', 'no inventory', '< 0.01', 'PEAK MEM · GPU', 'carol.long-name-for-a-contractor', 'contractors-with-a-long-group-name']) expect(text).toContain(s);
    // The long host name wraps but is all there.
    for (const word of BIG_HOSTS[2]!.split(' ')) expect(text).toContain(word);
  });
});
