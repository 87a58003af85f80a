import { useCallback, useSyncExternalStore } from 'react';

/** Light/dark follows the OS (prefers-color-scheme) unless the user picks one; the choice is kept locally. */
export type ThemePreference = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'fleetdeck.theme';
const ORDER: ThemePreference[] = ['system', 'light', 'dark'];
const listeners = new Set<() => void>();

function read(): ThemePreference {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

let current: ThemePreference = 'system';

/** Called once before the first render so the page never flashes the wrong colours. */
export function applyStoredTheme(): void {
  current = read();
  apply(current);
}

const systemDark = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;

/** "system" resolves to the OS preference here, so the CSS declares each palette once. */
function apply(pref: ThemePreference): void {
  document.documentElement.dataset.theme = pref === 'system' ? (systemDark?.matches ? 'dark' : 'light') : pref;
}

systemDark?.addEventListener('change', () => {
  if (current === 'system') apply('system');
});

export function setTheme(pref: ThemePreference): void {
  current = pref;
  try {
    if (pref === 'system') window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, pref);
  } catch {
    // Storage may be disabled; the choice still holds for this page.
  }
  apply(pref);
  for (const l of listeners) l();
}

export function useTheme(): { theme: ThemePreference; cycle: () => void } {
  const theme = useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    () => current,
  );
  const cycle = useCallback(() => {
    const next = ORDER[(ORDER.indexOf(current) + 1) % ORDER.length] ?? 'system';
    setTheme(next);
  }, []);
  return { theme, cycle };
}
