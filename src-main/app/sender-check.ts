import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Which IPC messages the shell answers: only those from the app's own page (the renderer's
 * index.html, loaded from a file) in the app's own window. Anything else that might get a frame
 * into that window (a navigation, an iframe of another file, a web page) is refused.
 */
export interface IpcSender {
  sender: unknown;
  senderFrame?: { url: string } | null;
}

export function senderAllowed(e: IpcSender, win: { webContents: unknown } | null, rendererIndex: string, windows = process.platform === 'win32'): boolean {
  if (!win || e.sender !== win.webContents) return false;
  const url = e.senderFrame?.url;
  return typeof url === 'string' && isRendererUrl(url, rendererIndex, windows);
}

/**
 * A URL parser, not string matching: the parser resolves `..` and `%2e%2e` the way Chromium
 * does, and fileURLToPath refuses an encoded separator (`%2F`, `%5C`) instead of decoding it
 * into a path that would normalize to ours. The query and hash (the app's routes) do not count.
 */
export function isRendererUrl(frameUrl: string, rendererIndex: string, windows: boolean): boolean {
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  // file://server/share/... is a file on another machine, whatever its path says.
  if (url.protocol !== 'file:' || url.host !== '') return false;
  let file: string;
  try {
    file = fileURLToPath(url, { windows });
  } catch {
    return false;
  }
  if (!windows) return path.posix.normalize(file) === path.posix.normalize(rendererIndex);
  // Windows paths are case-insensitive, and Chromium may spell the drive letter either way.
  return path.win32.normalize(file).toLowerCase() === path.win32.normalize(rendererIndex).toLowerCase();
}
