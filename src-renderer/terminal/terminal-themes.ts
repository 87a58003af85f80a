import type { ITheme } from '@xterm/xterm';

/** Terminal palettes matching the app's light and dark themes (tokens.css). */
export const TERMINAL_THEMES: Record<'light' | 'dark', ITheme> = {
  dark: {
    background: '#0d1117',
    foreground: '#d6dde6',
    cursor: '#7cc4ff',
    cursorAccent: '#0d1117',
    selectionBackground: '#2f4a6b',
    black: '#20252d',
    red: '#ff7b72',
    green: '#56d364',
    yellow: '#e3b341',
    blue: '#6cb6ff',
    magenta: '#d2a8ff',
    cyan: '#56d4dd',
    white: '#c9d1d9',
    brightBlack: '#6e7681',
    brightRed: '#ffa198',
    brightGreen: '#7ee787',
    brightYellow: '#f2cc60',
    brightBlue: '#91cbff',
    brightMagenta: '#e2c5ff',
    brightCyan: '#87e8ee',
    brightWhite: '#f0f6fc',
  },
  light: {
    background: '#fbfcfd',
    foreground: '#1f2328',
    cursor: '#0969da',
    cursorAccent: '#fbfcfd',
    selectionBackground: '#c8ddf5',
    black: '#24292f',
    red: '#cf222e',
    green: '#116329',
    yellow: '#7d4e00',
    blue: '#0550ae',
    magenta: '#8250df',
    cyan: '#1b7c83',
    white: '#6e7781',
    brightBlack: '#57606a',
    brightRed: '#a40e26',
    brightGreen: '#1a7f37',
    brightYellow: '#633c01',
    brightBlue: '#0969da',
    brightMagenta: '#a475f9',
    brightCyan: '#3192aa',
    brightWhite: '#8c959f',
  },
};

export function resolvedTheme(doc: Document = document): 'light' | 'dark' {
  return doc.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

export const FONT_SIZES = { min: 9, max: 28, default: 13 } as const;

export function clampFontSize(n: number): number {
  if (!Number.isFinite(n)) return FONT_SIZES.default;
  return Math.min(FONT_SIZES.max, Math.max(FONT_SIZES.min, Math.round(n)));
}
