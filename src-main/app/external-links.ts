import type { BrowserWindow, MessageBoxOptions } from 'electron';
import { displayUrl as display, webLink } from '../../src-common/links.js';
import type { ElectronApi } from './electron-api.js';

/**
 * Links the page asks to open (window.open, target=_blank) go to the system browser, never into
 * the app. The page shows host output (terminals, names, messages), so a link may be anyone's:
 * only the app's own links open directly; any other web link is shown in full first, with
 * Cancel as the default; anything that is not http(s) (javascript:, file:, data:, custom
 * schemes that start other programs) never leaves the app.
 */

/**
 * The links the app's own UI opens, matched exactly (after URL normalization). The UI has none
 * yet; a documentation link added to it belongs here.
 */
export const APP_LINKS: readonly string[] = [];

/** What is shown of a URL in the dialog: enough to read the site and path, not a page of text. */
export const MAX_DIALOG_URL_CHARS = 500;

export type LinkDecision = { action: 'open'; url: string } | { action: 'ask'; url: string; site: string } | { action: 'refuse' };

export function decideLink(raw: string, allowList: readonly string[] = APP_LINKS): LinkDecision {
  const link = webLink(raw);
  if (!link) return { action: 'refuse' };
  if (allowList.some((entry) => sameUrl(entry, link.url))) return { action: 'open', url: link.url };
  return { action: 'ask', url: link.url, site: link.site };
}

function sameUrl(entry: string, href: string): boolean {
  try {
    return new URL(entry).href === href;
  } catch {
    return false;
  }
}

/** A URL as the dialog shows it (src-common/links.ts). */
export function displayUrl(text: string, max = MAX_DIALOG_URL_CHARS): string {
  return display(text, max);
}

export const OPEN_BUTTON = 0;
export const CANCEL_BUTTON = 1;

export function askDialogOptions(url: string, site: string): MessageBoxOptions {
  return {
    type: 'warning',
    title: 'Open link',
    message: `Open this link in your browser?`,
    detail: `${displayUrl(url)}\n\nSite: ${displayUrl(site, 200)}\n\nLinks can come from what a server prints. Open it only if you expected it.`,
    buttons: ['Open in browser', 'Cancel'],
    defaultId: CANCEL_BUTTON,
    cancelId: CANCEL_BUTTON,
    noLink: true,
  };
}

export type LinkOutcome = 'opened' | 'cancelled' | 'refused';

/** The window-open handler's follow-up: decide, ask when needed, then hand the URL to the OS. */
export async function openLink(
  electron: Pick<ElectronApi, 'dialog' | 'shell'>,
  parent: BrowserWindow | null,
  raw: string,
  allowList: readonly string[] = APP_LINKS,
): Promise<LinkOutcome> {
  const decision = decideLink(raw, allowList);
  if (decision.action === 'refuse') return 'refused';
  if (decision.action === 'ask') {
    const options = askDialogOptions(decision.url, decision.site);
    const { response } = parent ? await electron.dialog.showMessageBox(parent, options) : await electron.dialog.showMessageBox(options);
    if (response !== OPEN_BUTTON) return 'cancelled';
  }
  await electron.shell.openExternal(decision.url);
  return 'opened';
}
