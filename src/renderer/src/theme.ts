/** The light / dark theme as shared reactive state (the App toggles it, charts follow it). */
import { ref } from 'vue';

export type ThemeName = 'light' | 'dark';

function initial(): ThemeName {
  try {
    const saved = localStorage.getItem('attune.theme');
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // storage unavailable: default
  }
  return 'dark';
}

/** The active theme. */
export const theme = ref<ThemeName>(initial());

/** Applies the theme to the document and remembers it. */
export function applyTheme(next: ThemeName = theme.value): void {
  theme.value = next;
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem('attune.theme', next);
  } catch {
    // not remembered: fine
  }
}

/** Chart colours of a theme (ECharts draws on canvas, so it cannot read CSS variables itself). */
export function chartColors(t: ThemeName) {
  return t === 'dark'
    ? { text: '#c9cfd6', muted: '#8a939d', grid: '#2f343d', axis: '#4a515c', bg: 'transparent', palette: ['#6aa8ff', '#4cc38a', '#f0b429', '#ff7eb6', '#b197fc', '#5fd4e8', '#ff8c5a', '#a3e635'] }
    : { text: '#1d232b', muted: '#5c6773', grid: '#e4e7ec', axis: '#b8c0cc', bg: 'transparent', palette: ['#2f6fdb', '#1f9d62', '#b7791f', '#d6336c', '#7048e8', '#0c8599', '#e8590c', '#5c940d'] };
}
