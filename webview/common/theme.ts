/**
 * Chart colours from the VS Code theme. VS Code exposes theme colours as `--vscode-*` CSS variables on the
 * webview's <html> element and the theme kind as a class on <body>; canvas drawing cannot use CSS
 * variables, so they are read with getComputedStyle at draw time and re-read whenever either changes.
 */
import { withAlpha } from './colors';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  background: string;
  foreground: string;
  /** Secondary text (axis labels). */
  muted: string;
  grid: string;
  border: string;
  fontFamily: string;
  fontSize: number;
  /** Eight distinguishable series colours; slot i is run i in comparisons. */
  palette: string[];
  /** High-contrast themes get thicker lines… */
  lineScale: number;
  /** …and no faint ones. */
  minOpacity: number;
}

const PALETTE_VARS = [
  '--vscode-charts-blue',
  '--vscode-charts-red',
  '--vscode-charts-green',
  '--vscode-charts-yellow',
  '--vscode-charts-purple',
  '--vscode-charts-orange',
  '--vscode-terminal-ansiCyan',
  '--vscode-terminal-ansiMagenta',
];

/** Used only where a variable is missing (an old VS Code, or a page outside VS Code). */
const FALLBACK_PALETTE: Record<'light' | 'dark', string[]> = {
  light: ['#1a85ff', '#e51400', '#388a34', '#bf8803', '#652d90', '#d18616', '#0598bc', '#bc05bc'],
  dark: ['#3794ff', '#f14c4c', '#89d185', '#cca700', '#b180d7', '#d18616', '#29b8db', '#d670d6'],
};

export function themeKind(body: HTMLElement = document.body): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readTheme(): Theme {
  const kind = themeKind();
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim();
  const lightish = kind === 'light' || kind === 'high-contrast-light';
  const fallback = FALLBACK_PALETTE[lightish ? 'light' : 'dark'];
  const foreground = v('--vscode-foreground') || (lightish ? '#333333' : '#cccccc');
  const highContrast = kind.startsWith('high-contrast');
  return {
    kind,
    background: v('--vscode-editor-background') || (lightish ? '#ffffff' : '#1e1e1e'),
    foreground,
    muted: v('--vscode-descriptionForeground') || foreground,
    // charts.lines is meant for single reference lines; a whole grid of it at full strength drowns the data.
    grid: (highContrast && v('--vscode-contrastBorder')) || withAlpha(v('--vscode-charts-lines') || (lightish ? '#616161' : '#cccccc'), 0.35),
    border: v('--vscode-panel-border') || v('--vscode-contrastBorder') || 'rgba(128,128,128,0.35)',
    fontFamily: v('--vscode-font-family') || 'system-ui, sans-serif',
    fontSize: parseFloat(v('--vscode-font-size')) || 13,
    palette: PALETTE_VARS.map((name, i) => v(name) || fallback[i]),
    lineScale: highContrast ? 1.5 : 1,
    minOpacity: highContrast ? 0.7 : 0,
  };
}

/** Calls `onChange` (once per frame at most) when the theme kind or the theme's variables change. */
export function observeTheme(onChange: () => void): () => void {
  let queued = false;
  const notify = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      onChange();
    });
  };
  const observer = new MutationObserver(notify);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  // VS Code rewrites the variables in <html style="…"> on a theme switch, sometimes without a class change
  // (two dark themes): watch that too.
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
