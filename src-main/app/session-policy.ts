import type { Session } from 'electron';

/**
 * The app session's rules: every response carries the strict CSP (the renderer is built so it
 * holds: no inline scripts or styles, no remote anything), and every permission a page asks for
 * (camera, notifications, clipboard read, …) is refused.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export function applySessionPolicy(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
}
