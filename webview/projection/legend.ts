/**
 * The class legend shared by all views (the colours are linked): click a class to hide or show it,
 * Alt/Shift-click to show only that class. Counts are per view ("12 / 9" when comparing).
 */
import { el, setChildren } from '../common/dom';
import { classCss } from './palette';

export interface LegendClass {
  label: number;
  name: string;
  counts: number[];
}

export interface LegendEvents {
  toggle(label: number): void;
  solo(label: number): void;
  showAll(): void;
}

export class Legend {
  readonly element: HTMLElement;
  private readonly list = el('div', { class: 'legend-items', attrs: { role: 'group', 'aria-label': 'Classes' } });
  private readonly showAll = el('button', { class: 'link-button', text: 'Show all' });

  constructor(private readonly events: LegendEvents) {
    this.showAll.addEventListener('click', () => events.showAll());
    this.element = el('div', { class: 'legend' }, this.list, this.showAll);
  }

  update(classes: LegendClass[], hidden: Set<number>): void {
    setChildren(
      this.list,
      ...classes.map((c) => {
        const visible = !hidden.has(c.label);
        const item = el(
          'button',
          {
            class: `legend-item${visible ? '' : ' off'}`,
            title: `${c.name} (label ${c.label}): click to ${visible ? 'hide' : 'show'}, Alt-click to show only this class`,
            attrs: { 'aria-pressed': String(visible), 'data-label': String(c.label) },
          },
          el('span', { class: 'swatch' }),
          el('span', { class: 'legend-name', text: c.name }),
          el('span', { class: 'legend-count', text: c.counts.map((n) => n.toLocaleString('en-US')).join(' / ') }),
        );
        (item.firstElementChild as HTMLElement).style.background = classCss(c.label);
        item.addEventListener('click', (e) => (e.altKey || e.shiftKey ? this.events.solo(c.label) : this.events.toggle(c.label)));
        return item;
      }),
    );
    this.showAll.hidden = hidden.size === 0;
  }
}
