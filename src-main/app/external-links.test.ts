import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createElectronDouble, type ElectronDouble } from './electron.test-util.js';
import { APP_LINKS, CANCEL_BUTTON, decideLink, displayUrl, MAX_DIALOG_URL_CHARS, OPEN_BUTTON, openLink } from './external-links.js';

const DOCS = 'https://docs.fleetdeck.example/guide/connect';
const allowList = [DOCS];

let double: ElectronDouble;
beforeEach(() => {
  double = createElectronDouble();
});
afterEach(() => double.dispose());

describe('decideLink', () => {
  it("opens the app's own links directly (exact match, after normalization)", () => {
    expect(decideLink(DOCS, allowList)).toEqual({ action: 'open', url: DOCS });
    expect(decideLink('HTTPS://Docs.Fleetdeck.Example:443/guide/connect', allowList)).toEqual({ action: 'open', url: DOCS });
  });

  it('asks for any other web link, even one that looks like ours', () => {
    for (const url of [`${DOCS}/more`, `${DOCS}?next=https://evil.example`, 'https://docs.fleetdeck.example.evil.example/guide/connect', 'http://docs.fleetdeck.example/guide/connect', 'https://docs.fleetdeck.example@evil.example/guide/connect']) {
      expect(decideLink(url, allowList).action).toBe('ask');
    }
    expect(decideLink('https://example.com/a b', allowList)).toEqual({ action: 'ask', url: 'https://example.com/a%20b', site: 'example.com' });
  });

  it('names the real site: userinfo and IDN tricks show the host that is visited', () => {
    expect(decideLink('https://github.com@evil.example/x', allowList)).toMatchObject({ site: 'evil.example' });
    // A Cyrillic і: the dialog shows the punycode name, not a look-alike of github.com.
    expect(decideLink('https://g\u0456thub.com/', allowList)).toMatchObject({ site: 'xn--gthub-n2e.com' });
  });

  it('refuses everything that is not http(s)', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:x',
      'ssh://host',
      'smb://evil/share',
      'mailto:a@b.c',
      'chrome://settings',
      'about:blank',
      '//evil.example/x',
      '',
      'not a url',
    ]) {
      expect(decideLink(url, allowList), url).toEqual({ action: 'refuse' });
    }
  });

  it('has no app links yet (the UI opens none); the real list holds only https URLs', () => {
    for (const link of APP_LINKS) expect(new URL(link).protocol).toBe('https:');
  });
});

describe('displayUrl', () => {
  it('shows a normal URL whole', () => {
    expect(displayUrl('https://example.com/path?q=1#frag')).toBe('https://example.com/path?q=1#frag');
  });

  it('cuts a long URL and says how much is not shown', () => {
    const long = `https://example.com/${'a'.repeat(5000)}`;
    const shown = displayUrl(long);
    expect(shown.startsWith('https://example.com/aaa')).toBe(true);
    expect(shown).toMatch(/… \(4520 more characters\)$/);
    expect(shown.length).toBeLessThan(MAX_DIALOG_URL_CHARS + 40);
  });

  it('escapes control, bidi and invisible characters visibly', () => {
    expect(displayUrl('https://a.example/\x1b[31mred\u202egnp.exe\u200b\n')).toBe('https://a.example/\\u{1b}[31mred\\u{202e}gnp.exe\\u{200b}\\u{a}');
  });
});

describe('openLink', () => {
  it('opens an allow-listed link without asking', async () => {
    await expect(openLink(double.module, null, DOCS, allowList)).resolves.toBe('opened');
    expect(double.dialogs).toEqual([]);
    expect(double.openedExternally).toEqual([DOCS]);
  });

  it('asks for another link with the full URL and the site, Cancel the default, and opens it on "Open in browser"', async () => {
    const parent = new double.module.BrowserWindow();
    double.answerDialog = () => OPEN_BUTTON;
    const url = 'https://example.com/some/path?x=1';
    await expect(openLink(double.module, parent, url, allowList)).resolves.toBe('opened');
    expect(double.dialogs).toHaveLength(1);
    const { parent: shownOver, options } = double.dialogs[0]!;
    expect(shownOver).toBe(parent);
    expect(options.buttons).toEqual(['Open in browser', 'Cancel']);
    expect(options.defaultId).toBe(CANCEL_BUTTON);
    expect(options.cancelId).toBe(CANCEL_BUTTON);
    expect(options.detail).toContain(url);
    expect(options.detail).toContain('Site: example.com');
    expect(double.openedExternally).toEqual([url]);
  });

  it('opens nothing when the dialog is cancelled (button or Esc)', async () => {
    await expect(openLink(double.module, null, 'https://example.com/', allowList)).resolves.toBe('cancelled');
    double.answerDialog = () => CANCEL_BUTTON;
    await expect(openLink(double.module, null, 'https://example.com/', allowList)).resolves.toBe('cancelled');
    expect(double.dialogs).toHaveLength(2);
    expect(double.dialogs[0]!.parent).toBeNull();
    expect(double.openedExternally).toEqual([]);
  });

  it('never opens javascript:, file: or data: links, and does not even ask', async () => {
    double.answerDialog = () => OPEN_BUTTON;
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,hi']) {
      await expect(openLink(double.module, null, url, allowList)).resolves.toBe('refused');
    }
    expect(double.dialogs).toEqual([]);
    expect(double.openedExternally).toEqual([]);
  });

  it('shows a very long URL cut, but opens exactly the URL that was asked about', async () => {
    double.answerDialog = () => OPEN_BUTTON;
    const url = `https://example.com/${'x'.repeat(10_000)}`;
    await openLink(double.module, null, url, allowList);
    expect(double.dialogs[0]!.options.detail!.length).toBeLessThan(1000);
    expect(double.openedExternally).toEqual([url]);
  });
});
