import { defineConfig } from 'vitest/config';

/**
 * Three projects, all run by `npm test`:
 *  - unit: parsers against the real-world fixtures, validation, protocol, contracts (fast, no hosts)
 *  - integration: real sshd, real Docker, a real systemd Debian host (e2e/testbed)
 *  - e2e: Playwright in Debian's Chromium against `fleetdeck serve`
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src-common/**/*.test.ts', 'src-main/**/*.test.ts', 'src-preload/**/*.test.ts', 'remote-scripts/**/*.test.ts', 'src-renderer/**/*.test.ts', 'scripts/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['e2e/integration/**/*.test.ts', 'e2e/testbed/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/web/**/*.spec.ts', 'e2e/electron/**/*.spec.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
