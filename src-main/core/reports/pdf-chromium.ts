import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FleetdeckError } from '../../../src-common/problems.js';

/**
 * HTML → PDF with a headless Chromium on this machine (the CLI and `fleetdeck serve`; the
 * desktop app prints with Electron instead). The page is a file in a private temp dir, rendered
 * with networking off and no profile of the user's; Chromium runs from an argv array.
 */
const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const TIMEOUT_MS = 60_000;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** FLEETDECK_CHROMIUM, else /usr/bin/chromium, else the first candidate on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.FLEETDECK_CHROMIUM) return isExecutable(env.FLEETDECK_CHROMIUM) ? env.FLEETDECK_CHROMIUM : null;
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of CANDIDATES) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return null;
}

export async function htmlToPdf(html: string, opts: { chromium?: string; timeoutMs?: number } = {}): Promise<Buffer> {
  const chromium = opts.chromium ?? findChromium();
  if (!chromium) {
    const hint = process.env.FLEETDECK_CHROMIUM ? ` (FLEETDECK_CHROMIUM=${process.env.FLEETDECK_CHROMIUM} is not an executable)` : '';
    throw new FleetdeckError('not-found', `PDF export needs Chromium on this machine${hint}: install it (Debian/Ubuntu: sudo apt install chromium), set FLEETDECK_CHROMIUM to its path, export HTML instead, or use the desktop app.`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-report-'));
  try {
    const page = path.join(dir, 'report.html');
    const out = path.join(dir, 'report.pdf');
    await writeFile(page, html, { mode: 0o600 });
    const argv = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--no-first-run',
      '--no-default-browser-check',
      '--no-pdf-header-footer',
      `--user-data-dir=${path.join(dir, 'profile')}`,
      `--print-to-pdf=${out}`,
      pathToFileURL(page).href,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(chromium, argv, { timeout: opts.timeoutMs ?? TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, env: { ...process.env, HOME: dir } }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.killed) return reject(new FleetdeckError('timeout', `Chromium did not finish the PDF within ${Math.round((opts.timeoutMs ?? TIMEOUT_MS) / 1000)} s; try again, or export HTML and print it from a browser.`));
        const why = String(stderr).trim().split('\n').filter((l) => !/^\[\d+:\d+:/.test(l)).slice(-1)[0] ?? e.message;
        reject(new FleetdeckError('internal-error', `Chromium (${chromium}) could not print the report: ${why || e.message}`));
      });
    });
    try {
      return await readFile(out);
    } catch {
      throw new FleetdeckError('internal-error', `Chromium (${chromium}) exited without writing the PDF; run it by hand with --headless --print-to-pdf to see why.`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
