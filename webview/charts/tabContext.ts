/** What every tab of the panel gets when it draws. */
import type { ExportFormat } from '../../src/shared/chartsMessages';
import type { Theme } from '../common/theme';
import type { ChartRun } from './data/chartRun';
import type { ChartsUiState, TabId } from './data/uiState';

export interface TabContext {
  runs: readonly ChartRun[];
  /** Slug naming the run(s) in export file names. */
  exportStem: string;
  ui: ChartsUiState;
  theme: Theme;
  updateUi(patch: Partial<ChartsUiState>): void;
  save(format: ExportFormat, suggestedName: string, content: string | Uint8Array): void;
  copy(text: string, description: string): void;
}

export interface ChartsTab {
  readonly id: TabId;
  readonly label: string;
  readonly element: HTMLElement;
  render(ctx: TabContext): void;
}
