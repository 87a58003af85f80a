// Reading vitest's JSON report for `npm test` (scripts/test.mjs): counts, skipped tests with their
// file, and why each one skipped. Pure functions, unit-tested in scripts/test-report.test.ts.
import path from 'node:path';

/** The only tests that may skip under CI=true: the Electron e2e needs a downloaded binary. */
export const ALLOWED_CI_SKIPS = ['e2e/electron/app.spec.ts'];

const SKIP_STATUSES = new Set(['skipped', 'pending', 'todo', 'disabled']);

export function isCi(env) {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * { passed, failed, skipped: [{ file, title }] } from one vitest JSON report. A file that failed
 * before running any test (an import error, a failing beforeAll with no tests recorded) counts as
 * one failure, so the summary line never says "0 failed" for a red run.
 */
export function collectResults(report, root) {
  let passed = 0;
  let failed = 0;
  const skipped = [];
  for (const file of report.testResults ?? []) {
    const rel = path.relative(root, file.name).split(path.sep).join('/');
    const tests = file.assertionResults ?? [];
    for (const t of tests) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') failed++;
      else if (SKIP_STATUSES.has(t.status)) skipped.push({ file: rel, title: [...(t.ancestorTitles ?? []), t.title].join(' › ') });
    }
    if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) failed++;
  }
  return { passed, failed, skipped };
}

export function allowedSkip(t) {
  return ALLOWED_CI_SKIPS.includes(t.file);
}

/**
 * Why a test skipped, from where it lives and what this machine lacks (the reasons of
 * e2e/testbed/skip-reasons.ts). Tests skip through `skipIf(condition)`, which records no reason.
 */
export function reasonFor(t, env) {
  const first = (...keys) => keys.map((k) => env[k]).find(Boolean);
  const f = t.file;
  let why;
  if (f.startsWith('e2e/electron/')) why = first('electron');
  else if (f.startsWith('e2e/web/')) why = first('chromium', 'testbed');
  else if (f.startsWith('e2e/')) why = /tmux/i.test(t.title) ? first('tmux') : first('testbed', 'sshd');
  else if (/chromium|pdf/i.test(`${f} ${t.title}`)) why = first('chromium');
  else if (/ssh -G|ssh-config/i.test(`${f} ${t.title}`)) why = first('sshClient');
  return why ?? 'skipped by the test itself (it.skip, skipIf or todo): this machine has what the testbed, Chromium and Electron checks look for';
}
