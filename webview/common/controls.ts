/**
 * The few form controls the webviews use, built on @vscode-elements/elements (Lit web components that
 * draw themselves with VS Code's theme variables). The design named @vscode/webview-ui-toolkit, which was
 * deprecated and archived upstream in January 2025 and pulled React and FAST into the production install;
 * every use of a component library stays behind these functions, so that swap changed this file only.
 * Each component is imported from its own module so the bundle carries only these, and importing a module
 * is what registers its custom element.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import { el } from './dom';

export interface ButtonOptions {
  label: string;
  title?: string;
  appearance?: 'primary' | 'secondary';
  onClick: () => void;
}

export function button(opts: ButtonOptions): HTMLElement {
  const b = el('vscode-button' as 'button', { text: opts.label, title: opts.title });
  // vscode-button is primary unless marked secondary; the toolkit's default was secondary, kept here.
  if ((opts.appearance ?? 'secondary') === 'secondary') b.setAttribute('secondary', '');
  b.addEventListener('click', () => opts.onClick());
  return b;
}

export interface Control<T> {
  element: HTMLElement;
  set(value: T): void;
}

export function checkbox(opts: { label: string; checked: boolean; title?: string; onChange: (checked: boolean) => void }): Control<boolean> {
  // The label is the element's text (its default slot), so it stays in the light DOM for tests and screen readers.
  const c = el('vscode-checkbox' as 'input', { text: opts.label, title: opts.title }) as unknown as HTMLElement & { checked: boolean };
  c.checked = opts.checked;
  c.addEventListener('change', () => opts.onChange(c.checked));
  return { element: c, set: (v) => (c.checked = v) };
}

export function dropdown<T extends string>(opts: {
  ariaLabel: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
}): Control<T> {
  const d = el('vscode-single-select' as 'select', { attrs: { 'aria-label': opts.ariaLabel } }) as unknown as HTMLElement & { value: string };
  for (const o of opts.options) {
    const option = el('vscode-option' as 'option', { text: o.label, attrs: { value: o.value } });
    if (o.value === opts.value) option.setAttribute('selected', '');
    d.append(option);
  }
  d.addEventListener('change', () => opts.onChange(d.value as T));
  return { element: d, set: (v) => (d.value = v) };
}

/** A native range input: vscode-elements has no slider. Styled in the panel's CSS with the theme's colours. */
export function slider(opts: {
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  format: (v: number) => string;
  onInput: (value: number) => void;
}): Control<number> & { setRange(min: number, max: number, step: number): void } {
  const input = el('input', { class: 'slider-input', attrs: { type: 'range', 'aria-label': opts.label } });
  const readout = el('span', { class: 'slider-value' });
  const wrapper = el('label', { class: 'slider' }, el('span', { class: 'slider-label', text: opts.label }), input, readout);
  const set = (v: number) => {
    input.value = String(v);
    readout.textContent = opts.format(Number(input.value));
  };
  const setRange = (min: number, max: number, step: number) => {
    input.min = String(min);
    input.max = String(max);
    input.step = String(step);
  };
  setRange(opts.min, opts.max, opts.step);
  set(opts.value);
  input.addEventListener('input', () => {
    readout.textContent = opts.format(Number(input.value));
    opts.onInput(Number(input.value));
  });
  return { element: wrapper, set, setRange };
}

export interface TabDefinition<T extends string> {
  id: T;
  label: string;
  content: HTMLElement;
}

/**
 * vscode-tabs numbers its headers and panels and overwrites their ids, so each carries its tab id in
 * data-tab (header) and data-view (panel) instead; the selection is an index into opts.tabs.
 */
export function tabs<T extends string>(opts: { tabs: readonly TabDefinition<T>[]; active: T; onChange: (id: T) => void }): Control<T> {
  const indexOf = (id: T) => Math.max(0, opts.tabs.findIndex((t) => t.id === id));
  const container = el('vscode-tabs' as 'div', { attrs: { 'selected-index': String(indexOf(opts.active)) } });
  for (const t of opts.tabs) container.append(el('vscode-tab-header' as 'div', { text: t.label, attrs: { slot: 'header', 'data-tab': t.id } }));
  for (const t of opts.tabs) container.append(el('vscode-tab-panel' as 'div', { attrs: { 'data-view': t.id } }, t.content));
  let current = opts.active;
  container.addEventListener('vsc-tabs-select', (event) => {
    const id = opts.tabs[(event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex]?.id;
    if (id !== undefined && id !== current) {
      current = id;
      opts.onChange(id);
    }
  });
  return {
    element: container,
    set: (id) => {
      current = id;
      container.setAttribute('selected-index', String(indexOf(id)));
    },
  };
}
