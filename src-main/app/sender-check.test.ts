import { describe, expect, it } from 'vitest';
import { isRendererUrl, senderAllowed } from './sender-check.js';

const INDEX = '/opt/Fleetdeck/resources/app/out/renderer/index.html';
const PAGE = 'file:///opt/Fleetdeck/resources/app/out/renderer/index.html';
const webContents = { id: 1 };
const win = { webContents };

describe('senderAllowed', () => {
  it("accepts the app's page in the app's window, whatever its route", () => {
    expect(senderAllowed({ sender: webContents, senderFrame: { url: PAGE } }, win, INDEX, false)).toBe(true);
    expect(senderAllowed({ sender: webContents, senderFrame: { url: `${PAGE}#/hosts/3/gpus` } }, win, INDEX, false)).toBe(true);
    expect(senderAllowed({ sender: webContents, senderFrame: { url: `${PAGE}?x=1` } }, win, INDEX, false)).toBe(true);
  });

  it('refuses another webContents, even at the right URL', () => {
    expect(senderAllowed({ sender: { id: 2 }, senderFrame: { url: PAGE } }, win, INDEX, false)).toBe(false);
  });

  it('refuses when there is no window (yet, or any more)', () => {
    expect(senderAllowed({ sender: webContents, senderFrame: { url: PAGE } }, null, INDEX, false)).toBe(false);
  });

  it('refuses a missing frame (navigated away or destroyed) and an empty URL', () => {
    expect(senderAllowed({ sender: webContents, senderFrame: null }, win, INDEX, false)).toBe(false);
    expect(senderAllowed({ sender: webContents }, win, INDEX, false)).toBe(false);
    expect(senderAllowed({ sender: webContents, senderFrame: { url: '' } }, win, INDEX, false)).toBe(false);
  });
});

describe('isRendererUrl', () => {
  const ok = (url: string) => isRendererUrl(url, INDEX, false);

  it('refuses another file, the same file name elsewhere, and the directory', () => {
    expect(ok('file:///opt/Fleetdeck/resources/app/out/renderer/other.html')).toBe(false);
    expect(ok('file:///tmp/out/renderer/index.html')).toBe(false);
    expect(ok('file:///opt/Fleetdeck/resources/app/out/renderer/')).toBe(false);
    expect(ok('file:///opt/Fleetdeck/resources/app/out/renderer/index.html.evil')).toBe(false);
  });

  it('refuses web pages and other schemes at the same path', () => {
    expect(ok('http://localhost/opt/Fleetdeck/resources/app/out/renderer/index.html')).toBe(false);
    expect(ok('https://example.com/opt/Fleetdeck/resources/app/out/renderer/index.html')).toBe(false);
    expect(ok('data:text/html,<script>1</script>')).toBe(false);
    expect(ok('about:blank')).toBe(false);
    expect(ok('devtools://devtools/bundled/index.html')).toBe(false);
  });

  it('refuses a file on another machine (file://host/...)', () => {
    expect(ok('file://evil.example/opt/Fleetdeck/resources/app/out/renderer/index.html')).toBe(false);
  });

  it('resolves .. the way Chromium does: out of the app is refused, back to the page is the page', () => {
    expect(ok('file:///opt/Fleetdeck/resources/app/out/renderer/../../../../../tmp/index.html')).toBe(false);
    expect(ok('file:///tmp/x/../../opt/Fleetdeck/resources/app/out/renderer/index.html')).toBe(true);
    expect(ok('file:///opt/Fleetdeck/resources/app/out/renderer/%2e%2e/%2E%2E/renderer/index.html')).toBe(false);
  });

  it('refuses encoded separators that would decode into a path to the page', () => {
    // A plain decode-then-normalize (the shell's first version) accepted these.
    expect(ok('file:///opt/Fleetdeck/resources/app/out/x%2F..%2Frenderer/index.html')).toBe(false);
    expect(ok('file:///tmp%2F..%2Fopt/Fleetdeck/resources/app/out/renderer/index.html')).toBe(false);
    expect(ok('file:///opt/Fleetdeck/resources/app/out/renderer%5Cindex.html')).toBe(false);
  });

  it('refuses malformed URLs and percent escapes, and NUL tricks', () => {
    expect(ok('not a url')).toBe(false);
    expect(ok('file:///opt/Fleetdeck/resources/app/out/renderer/index.html%')).toBe(false);
    expect(ok('file:///opt/Fleetdeck/resources/app/out/renderer/index.html%00.png')).toBe(false);
  });

  it('decodes ordinary escapes (a space in the install path)', () => {
    expect(isRendererUrl('file:///Users/a%20b/Fleetdeck.app/out/renderer/index.html', '/Users/a b/Fleetdeck.app/out/renderer/index.html', false)).toBe(true);
    expect(isRendererUrl('file:///home/j%C3%B6rg/out/renderer/index.html', '/home/jörg/out/renderer/index.html', false)).toBe(true);
  });

  it('understands Windows drive paths (drive letter in either case) and refuses UNC and encoded backslashes there', () => {
    const index = 'C:\\Program Files\\Fleetdeck\\resources\\app\\out\\renderer\\index.html';
    expect(isRendererUrl('file:///C:/Program%20Files/Fleetdeck/resources/app/out/renderer/index.html', index, true)).toBe(true);
    expect(isRendererUrl('file:///c:/Program%20Files/Fleetdeck/resources/app/out/renderer/index.html#/hosts', index, true)).toBe(true);
    expect(isRendererUrl('file://server/share/Fleetdeck/resources/app/out/renderer/index.html', index, true)).toBe(false);
    expect(isRendererUrl('file:///C:/Program%20Files/Fleetdeck/resources/app/out/x%5C..%5Crenderer/index.html', index, true)).toBe(false);
    expect(isRendererUrl('file:///D:/Program%20Files/Fleetdeck/resources/app/out/renderer/index.html', index, true)).toBe(false);
  });
});
