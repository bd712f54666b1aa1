/**
 * The panel-wide controls: projection method and its parameters (validated here so a typo never starts a
 * job), compare, and point size. Changing the method applies at once; edited parameters apply with the
 * Apply button or Enter.
 */
import { el, setChildren } from '../common/dom';
import { DEFAULT_PARAMS, type ProjectionMethod, type ProjectionParamsByMethod } from '../../src/shared/embeddingFiles';
import { METHOD_LABEL } from './format';

type AllParams = { [M in ProjectionMethod]: ProjectionParamsByMethod[M] };

export interface ToolbarEvents {
  apply(method: ProjectionMethod, params: AllParams): void;
  compare(): void;
  pointSize(scale: number): void;
}

interface FieldSpec {
  key: string;
  label: string;
  title: string;
  min: number;
  max: number;
  integer: boolean;
  step: string;
}

const FIELDS: Record<ProjectionMethod, FieldSpec[]> = {
  pca: [],
  umap: [
    { key: 'nNeighbors', label: 'neighbours', title: 'UMAP n_neighbors: larger values keep more global structure', min: 2, max: 200, integer: true, step: '1' },
    { key: 'minDist', label: 'min dist', title: 'UMAP min_dist (0–1): smaller values pack clusters tighter', min: 0, max: 1, integer: false, step: '0.05' },
    { key: 'nEpochs', label: 'epochs', title: 'UMAP optimisation epochs; 0 = automatic for the data size', min: 0, max: 5000, integer: true, step: '50' },
    { key: 'seed', label: 'seed', title: 'Random seed (same seed, same picture)', min: 0, max: 2 ** 31 - 1, integer: true, step: '1' },
  ],
  tsne: [
    { key: 'perplexity', label: 'perplexity', title: 't-SNE perplexity (≈ effective neighbours), at most (points − 1) / 3', min: 2, max: 500, integer: false, step: '1' },
    { key: 'iterations', label: 'iterations', title: 't-SNE gradient steps (≥ 100)', min: 100, max: 10000, integer: true, step: '100' },
    { key: 'seed', label: 'seed', title: 'Random seed (same seed, same picture)', min: 0, max: 2 ** 31 - 1, integer: true, step: '1' },
  ],
};

export class Toolbar {
  readonly element: HTMLElement;
  private method: ProjectionMethod;
  private params: AllParams;
  private readonly methodSelect = el('select', { attrs: { 'aria-label': 'Projection method' } });
  private readonly fields = el('span', { class: 'param-fields' });
  private readonly apply = el('button', { class: 'primary', text: 'Apply', title: 'Recompute with these parameters' });
  private readonly message = el('span', { class: 'param-error', attrs: { role: 'alert' } });
  private readonly compareButton = el('button', { text: 'Compare with…', title: 'Show a second run side by side (same class colours)' });
  private readonly rendererLabel = el('span', { class: 'muted renderer' });
  private inputs = new Map<string, HTMLInputElement>();

  constructor(method: ProjectionMethod, params: AllParams, private readonly events: ToolbarEvents, pointScale: number) {
    this.method = method;
    this.params = structuredClone(params);
    for (const m of ['pca', 'umap', 'tsne'] as const) this.methodSelect.append(el('option', { text: METHOD_LABEL[m], attrs: { value: m } }));
    this.methodSelect.value = method;
    this.methodSelect.addEventListener('change', () => {
      this.method = this.methodSelect.value as ProjectionMethod;
      this.renderFields();
      this.submit();
    });
    this.apply.addEventListener('click', () => this.submit());
    this.compareButton.addEventListener('click', () => events.compare());
    const size = el('input', { attrs: { type: 'range', min: '0.5', max: '3', step: '0.25', value: String(pointScale), 'aria-label': 'Point size' } });
    size.addEventListener('input', () => events.pointSize(Number(size.value)));
    this.element = el(
      'div',
      { class: 'toolbar', attrs: { role: 'toolbar' } },
      el('label', {}, 'Method ', this.methodSelect),
      this.fields,
      this.apply,
      this.message,
      el('span', { class: 'spacer' }),
      el('label', { class: 'muted' }, 'Point size ', size),
      this.compareButton,
      this.rendererLabel,
    );
    this.renderFields();
  }

  private renderFields(): void {
    this.inputs.clear();
    const specs = FIELDS[this.method];
    const current = this.params[this.method] as unknown as Record<string, number>;
    setChildren(
      this.fields,
      ...specs.map((f) => {
        const input = el('input', { attrs: { type: 'number', min: String(f.min), max: String(f.max), step: f.step, value: String(current[f.key]), 'aria-label': f.label } });
        input.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') this.submit();
        });
        this.inputs.set(f.key, input);
        return el('label', { title: f.title }, `${f.label} `, input);
      }),
    );
    this.apply.hidden = specs.length === 0;
    this.message.textContent = '';
  }

  /** Reads and checks the fields; on success stores and emits them. */
  private submit(): void {
    const next: Record<string, number> = {};
    for (const f of FIELDS[this.method]) {
      const raw = this.inputs.get(f.key)?.value ?? '';
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v) || v < f.min || v > f.max || (f.integer && !Number.isInteger(v))) {
        this.message.textContent = `${f.label} must be ${f.integer ? 'an integer' : 'a number'} in ${f.min}–${f.max}`;
        this.inputs.get(f.key)?.focus();
        return;
      }
      next[f.key] = v;
    }
    this.message.textContent = '';
    if (this.method === 'umap') this.params.umap = { ...DEFAULT_PARAMS.umap, ...next };
    if (this.method === 'tsne') this.params.tsne = { ...DEFAULT_PARAMS.tsne, ...next };
    this.events.apply(this.method, structuredClone(this.params));
  }

  setCompareEnabled(enabled: boolean): void {
    this.compareButton.hidden = !enabled;
  }

  setRenderer(text: string): void {
    this.rendererLabel.textContent = text;
  }
}
