/**
 * Links that may come from a host (terminal output, names, messages): the one check of what may
 * be opened, and the one way to show a URL to a person before it is. Shared by the Electron shell
 * (its native dialog) and the renderer (its modal in a browser).
 */

/** A web link that may be opened: its normalized href and the site really visited, or null. */
export function webLink(raw: string): { url: string; site: string } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return { url: url.href, site: url.host };
}

/**
 * A URL as text a person can read safely: the parser's href is printable ASCII already, but this
 * is the last step before a dialog, so anything else (controls, bidi overrides, invisible
 * characters) is escaped visibly, and a long URL is cut with the count of what is not shown.
 */
export function displayUrl(text: string, max: number): string {
  // One piece per character (an escape stays whole), so a cut never splits one.
  const pieces = Array.from(text, (c) => (/^[\x21-\x7e]$/.test(c) ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`));
  if (pieces.length <= max) return pieces.join('');
  return `${pieces.slice(0, max).join('')}… (${pieces.length - max} more characters)`;
}
