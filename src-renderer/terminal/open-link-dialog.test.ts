import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { OpenLinkDialog } from './OpenLinkDialog.js';
import { TerminalLinkOpener } from './terminal-links.js';

/** The browser-mode link dialog as markup (server rendering: no DOM needed). */
function render(raw: string | null): string {
  const opener = new TerminalLinkOpener('web', () => {});
  if (raw !== null) opener.activate(raw);
  return renderToStaticMarkup(createElement(OpenLinkDialog, { opener }));
}

describe('OpenLinkDialog', () => {
  it('shows nothing while no link waits', () => {
    expect(render(null)).toBe('');
    expect(render('javascript:alert(1)')).toBe('');
  });

  it('shows the full URL and the site, with Cancel first and focused', () => {
    const html = render('https://example.com/some/path?x=1');
    expect(html).toContain('data-testid="terminal-link-dialog"');
    expect(html).toMatch(/data-testid="terminal-link-url"[^>]*>https:\/\/example\.com\/some\/path\?x=1</);
    expect(html).toMatch(/data-testid="terminal-link-site"[^>]*>example\.com</);
    expect(html.indexOf('terminal-link-cancel')).toBeLessThan(html.indexOf('terminal-link-open'));
    expect(html).toMatch(/data-testid="terminal-link-cancel" data-autofocus/);
  });

  it('renders markup in a URL as text, never as HTML', () => {
    const html = render('https://x.example/"><img src=x onerror=alert(1)>');
    expect(html).not.toContain('<img');
    expect(html).toContain('%3Cimg');
  });

  it('shows a very long URL cut', () => {
    const html = render(`https://example.com/${'a'.repeat(50_000)}`);
    expect(html.length).toBeLessThan(5_000);
    expect(html).toContain('more characters)');
  });
});
