import { describe, expect, it } from 'vitest';
import { decideTerminalLink, displayLink, MAX_LINK_DISPLAY_CHARS, TerminalLinkOpener } from './terminal-links.js';

describe('decideTerminalLink', () => {
  it('in a browser, asks first with the full URL and the real site', () => {
    expect(decideTerminalLink('https://example.com/docs?q=1#top', 'web')).toEqual({
      action: 'confirm',
      link: { url: 'https://example.com/docs?q=1#top', display: 'https://example.com/docs?q=1#top', site: 'example.com' },
    });
    expect(decideTerminalLink('http://grafana.lab:3000/d/x', 'web')).toMatchObject({ action: 'confirm', link: { site: 'grafana.lab:3000' } });
  });

  it('shows the host that is really visited, not what the link text suggests', () => {
    expect(decideTerminalLink('https://github.com@evil.example/login', 'web')).toMatchObject({ link: { site: 'evil.example' } });
    expect(decideTerminalLink('https://g\u0456thub.com/', 'web')).toMatchObject({ link: { site: 'xn--gthub-n2e.com' } });
  });

  it('in the desktop app, hands web links to window.open: the shell asks with its own dialog', () => {
    expect(decideTerminalLink('https://example.com/x', 'electron')).toEqual({ action: 'open', url: 'https://example.com/x' });
  });

  it('refuses everything that is not http(s), in both modes', () => {
    for (const mode of ['web', 'electron'] as const) {
      for (const raw of ['javascript:alert(document.cookie)', 'JAVASCRIPT:alert(1)', 'file:///etc/passwd', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'ssh://root@host', 'mailto:x@y.z', 'blob:https://example.com/uuid', '//example.com', 'example.com', '']) {
        expect(decideTerminalLink(raw, mode), `${mode} ${raw}`).toEqual({ action: 'refuse' });
      }
    }
  });

  it('opens the parsed URL (controls stripped or encoded by the parser), not the raw text', () => {
    const d = decideTerminalLink('https://example.com/a\tb\n/c d', 'web');
    expect(d).toMatchObject({ action: 'confirm', link: { url: 'https://example.com/ab/c%20d' } });
  });
});

describe('displayLink', () => {
  it('escapes control, bidi-override and invisible characters so they are seen, not obeyed', () => {
    expect(displayLink('https://x.example/\x1b]8;;evil\x07\u202etxt.exe\u200d\u0000')).toBe('https://x.example/\\u{1b}]8;;evil\\u{7}\\u{202e}txt.exe\\u{200d}\\u{0}');
  });

  it('keeps markup as text (the dialog renders it as a text node, never as HTML)', () => {
    expect(displayLink('https://x.example/<img src=x onerror=alert(1)>')).toBe('https://x.example/<img\\u{20}src=x\\u{20}onerror=alert(1)>');
  });

  it('cuts a very long URL and says how much is hidden', () => {
    const url = `https://example.com/${'a'.repeat(100_000)}`;
    const shown = displayLink(url);
    expect(shown).toMatch(/^https:\/\/example\.com\/a+… \(99720 more characters\)$/);
    expect(Array.from(shown.split('…')[0]!)).toHaveLength(MAX_LINK_DISPLAY_CHARS);
  });

  it('never cuts a character or its escape in half', () => {
    expect(displayLink('😀'.repeat(5), 3)).toBe(`${'\\u{1f600}'.repeat(3)}… (2 more characters)`);
  });
});

describe('TerminalLinkOpener', () => {
  function opener(mode: 'web' | 'electron') {
    const opened: string[] = [];
    const o = new TerminalLinkOpener(mode, (url) => opened.push(url));
    let changes = 0;
    o.subscribe(() => changes++);
    return { o, opened, changes: () => changes };
  }

  it('in a browser, waits for the user: confirm opens exactly that URL once', () => {
    const { o, opened, changes } = opener('web');
    o.activate('https://example.com/a');
    expect(opened).toEqual([]);
    expect(o.snapshot()).toMatchObject({ url: 'https://example.com/a' });
    o.confirm();
    expect(opened).toEqual(['https://example.com/a']);
    expect(o.snapshot()).toBeNull();
    o.confirm();
    expect(opened).toHaveLength(1);
    expect(changes()).toBe(2);
  });

  it('cancel opens nothing', () => {
    const { o, opened } = opener('web');
    o.activate('https://example.com/a');
    o.cancel();
    o.confirm();
    expect(opened).toEqual([]);
    expect(o.snapshot()).toBeNull();
  });

  it('a newer click replaces the waiting link', () => {
    const { o, opened } = opener('web');
    o.activate('https://example.com/first');
    o.activate('https://example.com/second');
    o.confirm();
    expect(opened).toEqual(['https://example.com/second']);
  });

  it('never offers a non-web link, and leaves a waiting one alone', () => {
    const { o, opened } = opener('web');
    o.activate('https://example.com/ok');
    o.activate('javascript:alert(1)');
    expect(o.snapshot()).toMatchObject({ url: 'https://example.com/ok' });
    o.cancel();
    o.activate('file:///etc/passwd');
    expect(o.snapshot()).toBeNull();
    expect(opened).toEqual([]);
  });

  it('in the desktop app, opens right away (the shell asks) and never refused links', () => {
    const { o, opened, changes } = opener('electron');
    o.activate('https://example.com/a');
    o.activate('javascript:alert(1)');
    expect(opened).toEqual(['https://example.com/a']);
    expect(o.snapshot()).toBeNull();
    expect(changes()).toBe(0);
  });
});
