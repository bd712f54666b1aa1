/** The hover card: class, indices and (for image datasets) the image, placed beside the cursor. */
import { el, setChildren } from '../common/dom';
import { classCss } from './palette';
import type { PointInfo } from './infoPanel';

export class Tooltip {
  readonly element = el('div', { class: 'tooltip', attrs: { role: 'tooltip' } });

  constructor() {
    this.element.hidden = true;
  }

  show(info: PointInfo, thumbnail: HTMLCanvasElement | null | 'loading', clientX: number, clientY: number): void {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = classCss(info.label);
    setChildren(
      this.element,
      thumbnail === 'loading' ? el('div', { class: 'thumb-placeholder' }) : thumbnail,
      el('div', { class: 'tooltip-text' }, el('div', {}, swatch, el('strong', { class: 'tooltip-class', text: ` ${info.name}` }), el('span', { class: 'muted', text: ` (label ${info.label})` })), el('div', { class: 'muted', text: `test #${info.testIndex} · point ${info.point}` })),
    );
    this.element.hidden = false;
    // Beside the cursor, flipped to stay inside the window.
    const pad = 14;
    const rect = this.element.getBoundingClientRect();
    const left = clientX + pad + rect.width > window.innerWidth ? clientX - pad - rect.width : clientX + pad;
    const top = clientY + pad + rect.height > window.innerHeight ? clientY - pad - rect.height : clientY + pad;
    this.element.style.left = `${Math.max(0, left)}px`;
    this.element.style.top = `${Math.max(0, top)}px`;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
