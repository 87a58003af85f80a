import { describe, expect, it } from 'vitest';
import { terminalShortcut } from './terminal-shortcuts.js';
import { dividerLine } from './xterm-instance.js';

const key = (code: string, key: string, mods: { ctrl?: boolean; shift?: boolean; alt?: boolean; meta?: boolean } = {}) => ({
  code,
  key,
  ctrlKey: !!mods.ctrl,
  shiftKey: !!mods.shift,
  altKey: !!mods.alt,
  metaKey: !!mods.meta,
});

describe('terminalShortcut', () => {
  it('leaves plain Ctrl keys to the shell', () => {
    expect(terminalShortcut(key('KeyC', 'c', { ctrl: true }))).toBeNull();
    expect(terminalShortcut(key('KeyV', 'v', { ctrl: true }))).toBeNull();
    expect(terminalShortcut(key('KeyW', 'w', { ctrl: true }))).toBeNull();
    expect(terminalShortcut(key('KeyC', 'c'))).toBeNull();
    expect(terminalShortcut(key('KeyC', 'C', { ctrl: true, shift: true, alt: true }))).toBeNull();
  });

  it('maps Ctrl+Shift keys (by physical key, whatever the layout prints)', () => {
    expect(terminalShortcut(key('KeyC', 'C', { ctrl: true, shift: true }))).toBe('copy');
    expect(terminalShortcut(key('KeyV', 'V', { ctrl: true, shift: true }))).toBe('paste');
    expect(terminalShortcut(key('KeyF', 'F', { ctrl: true, shift: true }))).toBe('search');
    expect(terminalShortcut(key('Backquote', '~', { ctrl: true, shift: true }))).toBe('new');
    expect(terminalShortcut(key('KeyX', 'X', { ctrl: true, shift: true }))).toBe('close');
    expect(terminalShortcut(key('BracketLeft', '{', { ctrl: true, shift: true }))).toBe('prev');
    expect(terminalShortcut(key('BracketRight', '}', { meta: true, shift: true }))).toBe('next');
  });

  it('zooms with Ctrl + = - 0', () => {
    expect(terminalShortcut(key('Equal', '=', { ctrl: true }))).toBe('zoom-in');
    expect(terminalShortcut(key('Equal', '+', { ctrl: true, shift: true }))).toBe('zoom-in');
    expect(terminalShortcut(key('Minus', '-', { ctrl: true }))).toBe('zoom-out');
    expect(terminalShortcut(key('Digit0', '0', { ctrl: true }))).toBe('zoom-reset');
  });
});

describe('dividerLine', () => {
  it('centres the label on its own line and resets colours', () => {
    const line = dividerLine('reconnected at 10:00:00', 60);
    expect(line.startsWith('\r\n')).toBe(true);
    expect(line.endsWith('\x1b[0m\r\n')).toBe(true);
    expect(line).toContain('── reconnected at 10:00:00 ──');
    const visible = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
    expect(visible.length).toBeLessThanOrEqual(60);
  });

  it('still draws a divider on a very narrow terminal', () => {
    expect(dividerLine('lost', 4)).toContain('── lost ──');
  });
});
