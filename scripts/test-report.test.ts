import { describe, expect, it } from 'vitest';

interface Skip {
  file: string;
  title: string;
}
/** scripts/test-report.mjs is plain JS (run by npm test before anything is built): its shape here. */
interface TestReportModule {
  collectResults(report: unknown, root: string): { passed: number; failed: number; skipped: Skip[] };
  allowedSkip(t: Skip): boolean;
  isCi(env: Record<string, string | undefined>): boolean;
  reasonFor(t: Skip, env: Record<string, string | null>): string;
}
const { allowedSkip, collectResults, isCi, reasonFor } = (await import(new URL('./test-report.mjs', import.meta.url).href)) as TestReportModule;

const root = '/repo';
const report = {
  testResults: [
    {
      name: '/repo/e2e/electron/app.spec.ts',
      status: 'passed',
      assertionResults: [{ ancestorTitles: ['Electron app'], title: 'opens the window', status: 'skipped' }],
    },
    {
      name: '/repo/e2e/integration/debian-host.test.ts',
      status: 'passed',
      assertionResults: [
        { ancestorTitles: ['a systemd Debian 12 host'], title: 'pushes the runtime', status: 'skipped' },
        { ancestorTitles: ['a systemd Debian 12 host'], title: 'probe', status: 'passed' },
      ],
    },
    { name: '/repo/e2e/web/fleet.spec.ts', status: 'passed', assertionResults: [{ ancestorTitles: [], title: 'adds a host', status: 'todo' }] },
    { name: '/repo/src-main/x.test.ts', status: 'failed', assertionResults: [{ ancestorTitles: [], title: 'a', status: 'failed' }] },
    // An import error: the file failed without any test result.
    { name: '/repo/src-main/broken.test.ts', status: 'failed', message: 'Cannot find package', assertionResults: [] },
  ],
};

describe('npm test report', () => {
  it('counts passed, failed (including files that failed to load) and skipped, with file and title', () => {
    const r = collectResults(report, root);
    expect(r.passed).toBe(1);
    expect(r.failed).toBe(2);
    expect(r.skipped).toEqual([
      { file: 'e2e/electron/app.spec.ts', title: 'Electron app › opens the window' },
      { file: 'e2e/integration/debian-host.test.ts', title: 'a systemd Debian 12 host › pushes the runtime' },
      { file: 'e2e/web/fleet.spec.ts', title: 'adds a host' },
    ]);
  });

  it('allows only the Electron e2e to skip under CI', () => {
    const { skipped } = collectResults(report, root);
    expect(skipped.filter(allowedSkip).map((t) => t.file)).toEqual(['e2e/electron/app.spec.ts']);
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
  });

  it('names the reason that applies to each skipped file', () => {
    const env = { testbed: 'docker daemon not reachable', sshd: null, chromium: 'chromium missing', electron: 'no Electron binary', tmux: 'tmux missing', sshClient: null };
    expect(reasonFor({ file: 'e2e/electron/app.spec.ts', title: 'x' }, env)).toBe('no Electron binary');
    expect(reasonFor({ file: 'e2e/integration/debian-host.test.ts', title: 'x' }, env)).toBe('docker daemon not reachable');
    expect(reasonFor({ file: 'e2e/integration/terminal.test.ts', title: 'terminals › tmux mode: …' }, env)).toBe('tmux missing');
    expect(reasonFor({ file: 'e2e/web/fleet.spec.ts', title: 'x' }, env)).toBe('chromium missing');
    expect(reasonFor({ file: 'src-main/core/reports/pdf-chromium.test.ts', title: 'PDF lockdown' }, env)).toBe('chromium missing');
    expect(reasonFor({ file: 'src-main/core/hosts/ssh-config.test.ts', title: 'parity with ssh -G' }, { ...env, sshClient: 'no ssh' })).toBe('no ssh');
    expect(reasonFor({ file: 'src-main/other.test.ts', title: 'x' }, env)).toMatch(/skipped by the test itself/);
  });
});
