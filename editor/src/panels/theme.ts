/**
 * Light and dark themes (issue 15 §7): `system` (the default) follows the OS preference
 * (prefers-color-scheme), `light` / `dark` pin one. The choice is the browser's (localStorage),
 * applied as `data-theme` on <html>, which theme.css keys its colours on.
 */
import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'mysti.theme';

const media = () =>
  typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: light)') : undefined;

function resolve(choice: ThemeChoice): 'light' | 'dark' {
  if (choice !== 'system') return choice;
  return media()?.matches ? 'light' : 'dark';
}

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

interface ThemeState {
  choice: ThemeChoice;
  /** The theme in effect. */
  theme: 'light' | 'dark';
}

export const useTheme = create<ThemeState>(() => {
  const choice = stored();
  return { choice, theme: resolve(choice) };
});

function apply(): void {
  document.documentElement.dataset.theme = useTheme.getState().theme;
}

/** Sets and remembers the theme choice. */
export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    /* private mode: the choice lasts for this page */
  }
  useTheme.setState({ choice, theme: resolve(choice) });
  apply();
}

/** Applies the theme now and follows the OS preference while the choice is `system`. */
export function installTheme(): void {
  apply();
  media()?.addEventListener('change', () => {
    const { choice } = useTheme.getState();
    if (choice === 'system') {
      useTheme.setState({ theme: resolve(choice) });
      apply();
    }
  });
}
