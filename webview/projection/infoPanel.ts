/** The side panel: the clicked point (with its image) and its nearest neighbours in the embedding space. */
import { el, setChildren } from '../common/dom';
import { classCss } from './palette';

export interface PointInfo {
  slot: number;
  point: number;
  label: number;
  name: string;
  testIndex: number;
  runName: string;
}

export interface NeighbourRow extends PointInfo {
  similarity: number;
}

export interface InfoEvents {
  pick(slot: number, point: number): void;
  hover(slot: number, point: number): void;
}

export class InfoPanel {
  readonly element: HTMLElement;
  private readonly body = el('div', { class: 'info-body' });

  constructor(private readonly events: InfoEvents) {
    this.element = el('aside', { class: 'info', attrs: { 'aria-label': 'Selected point' } }, el('h3', { text: 'Selection' }), this.body);
    this.clear();
  }

  clear(): void {
    setChildren(this.body, el('p', { class: 'hint', text: 'Click a point to list its nearest neighbours (cosine similarity in the embedding space). Drag to pan, wheel to zoom, double-click to fit.' }));
  }

  show(info: PointInfo, thumbnail: HTMLCanvasElement | null, neighbours: NeighbourRow[] | null, dim: number): void {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = classCss(info.label);
    const rows = neighbours
      ? el(
          'ol',
          { class: 'neighbours' },
          ...neighbours.map((n) => {
            const s = el('span', { class: 'swatch' });
            s.style.background = classCss(n.label);
            const same = n.label === info.label;
            const item = el(
              'li',
              { attrs: { tabindex: '0', 'data-point': String(n.point) }, title: `point ${n.point}, test #${n.testIndex}` },
              s,
              el('span', { class: `nb-name${same ? '' : ' other'}`, text: n.name }),
              el('span', { class: 'nb-index', text: `#${n.testIndex}` }),
              el('span', { class: 'nb-sim', text: n.similarity.toFixed(3) }),
            );
            item.addEventListener('click', () => this.events.pick(n.slot, n.point));
            item.addEventListener('keydown', (e) => {
              if (e.key === 'Enter') this.events.pick(n.slot, n.point);
            });
            item.addEventListener('mouseenter', () => this.events.hover(n.slot, n.point));
            item.addEventListener('mouseleave', () => this.events.hover(n.slot, -1));
            return item;
          }),
        )
      : el('p', { class: 'hint', text: 'Finding neighbours…' });
    const agree = neighbours ? neighbours.filter((n) => n.label === info.label).length : 0;
    setChildren(
      this.body,
      el('div', { class: 'selected' }, thumbnail, el('div', {}, el('div', {}, swatch, el('strong', { text: ` ${info.name}` })), el('div', { class: 'muted', text: `test #${info.testIndex} · point ${info.point}` }), el('div', { class: 'muted', text: info.runName }))),
      el('h4', { text: neighbours ? `Nearest neighbours (cosine, ${dim}-D): ${agree}/${neighbours.length} same class` : 'Nearest neighbours' }),
      rows,
    );
  }
}
