/** The comparison table tab: best (final) kNN accuracy and linear top-1, rows = loss, columns = batch size, with exports. */
import { button } from '../common/controls';
import { el, setChildren } from '../common/dom';
import { linearPercent } from './data/accuracyFacts';
import { comparisonMarkdown, comparisonTable, type ComparisonTable, type TableRun } from './data/comparisonTable';
import { knnSummary } from './data/knnChart';
import { toCsv } from './data/table';
import type { ChartsTab, TabContext } from './tabContext';
import type { RunConfig } from '../../src/shared/protocol';

export class TableTab implements ChartsTab {
  readonly id = 'table' as const;
  readonly label = 'Table';
  readonly element: HTMLElement;
  private readonly tableHost = el('div', { class: 'table-host' });
  private table: ComparisonTable | undefined;
  private ctx: TabContext | undefined;

  constructor(private readonly configs: () => readonly (RunConfig | null)[]) {
    const toolbar = el(
      'div',
      { class: 'chart-toolbar' },
      button({ label: 'Copy as Markdown', title: 'Copy the table as a Markdown table', onClick: () => this.table && this.ctx?.copy(comparisonMarkdown(this.table), 'the comparison table as Markdown') }),
      button({ label: 'Save Markdown', onClick: () => this.table && this.ctx?.save('md', `comparison-${this.ctx.exportStem}.md`, comparisonMarkdown(this.table)) }),
      button({
        label: 'CSV',
        title: 'Save the table as CSV',
        onClick: () => {
          const t = this.table;
          if (t && this.ctx) this.ctx.save('csv', `comparison-${this.ctx.exportStem}.csv`, toCsv({ header: t.header, columns: t.header.map((_, c) => t.rows.map((r) => r[c])) }));
        },
      }),
    );
    this.element = el('div', { class: 'tab-body' }, toolbar, this.tableHost);
  }

  render(ctx: TabContext): void {
    this.ctx = ctx;
    const configs = this.configs();
    const runs: TableRun[] = ctx.runs.map((run, i) => ({ run, config: configs[i] ?? null, knn: knnSummary(run), linear: linearPercent(run.series) }));
    const t = comparisonTable(runs);
    this.table = t;
    setChildren(
      this.tableHost,
      el(
        'table',
        { class: 'comparison' },
        el('caption', { text: t.caption }),
        el('thead', {}, el('tr', {}, ...t.header.map((h) => el('th', { text: h, attrs: { scope: 'col' } })))),
        el('tbody', {}, ...t.rows.map((r) => el('tr', {}, el('th', { text: r[0], attrs: { scope: 'row' } }), ...r.slice(1).map((c) => el('td', { text: c }))))),
      ),
    );
  }
}
