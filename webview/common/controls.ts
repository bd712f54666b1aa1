/**
 * The few form controls the webviews use, built on @vscode/webview-ui-toolkit. The toolkit is deprecated
 * upstream; keeping every use of it behind these functions means moving to @vscode-elements/elements (or
 * plain elements) changes this file only. Only the components used here are registered, so the bundle
 * carries no others.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
} from '@vscode/webview-ui-toolkit';
import { el } from './dom';

let registered = false;

function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodePanels(), vsCodePanelTab(), vsCodePanelView());
}

export interface ButtonOptions {
  label: string;
  title?: string;
  appearance?: 'primary' | 'secondary';
  onClick: () => void;
}

export function button(opts: ButtonOptions): HTMLElement {
  ensureRegistered();
  const b = el('vscode-button' as 'button', { text: opts.label, title: opts.title, attrs: { appearance: opts.appearance ?? 'secondary' } });
  b.addEventListener('click', () => opts.onClick());
  return b;
}

export interface Control<T> {
  element: HTMLElement;
  set(value: T): void;
}

export function checkbox(opts: { label: string; checked: boolean; title?: string; onChange: (checked: boolean) => void }): Control<boolean> {
  ensureRegistered();
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
  ensureRegistered();
  const d = el('vscode-dropdown' as 'select', { attrs: { 'aria-label': opts.ariaLabel } }) as unknown as HTMLElement & { value: string };
  for (const o of opts.options) {
    const option = el('vscode-option' as 'option', { text: o.label, attrs: { value: o.value } });
    if (o.value === opts.value) option.setAttribute('selected', '');
    d.append(option);
  }
  d.addEventListener('change', () => opts.onChange(d.value as T));
  return { element: d, set: (v) => (d.value = v) };
}

/** A native range input: the toolkit has no slider. Styled in the panel's CSS with the theme's colours. */
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

export function tabs<T extends string>(opts: { tabs: readonly TabDefinition<T>[]; active: T; onChange: (id: T) => void }): Control<T> {
  ensureRegistered();
  const panels = el('vscode-panels' as 'div', { attrs: { activeid: `tab-${opts.active}` } }) as HTMLDivElement & { activeid?: string };
  for (const t of opts.tabs) panels.append(el('vscode-panel-tab' as 'div', { text: t.label, attrs: { id: `tab-${t.id}` } }));
  for (const t of opts.tabs) panels.append(el('vscode-panel-view' as 'div', { attrs: { id: `view-${t.id}` } }, t.content));
  let current = opts.active;
  panels.addEventListener('change', () => {
    // The property, not the attribute: the toolkit reflects the attribute only after the event.
    const id = (panels.activeid ?? '').replace(/^tab-/, '') as T;
    if (id && id !== current) {
      current = id;
      opts.onChange(id);
    }
  });
  return {
    element: panels,
    set: (id) => {
      current = id;
      panels.setAttribute('activeid', `tab-${id}`);
    },
  };
}
