/**
 * The Electron main-process API as the shell's modules take it: each module names the parts it
 * uses (`Pick<ElectronApi, 'dialog' | 'shell'>`), main.ts passes the real ones, and tests pass
 * the double from electron.test-util.ts. Typed by Electron's own declarations, so a call the
 * real API does not have fails `tsc`, not the first run of the app.
 */
export type ElectronApi = typeof import('electron');
