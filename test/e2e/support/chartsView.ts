/**
 * Reads the charts webview (webview/charts) from the outside, through its DOM: the header's state badge,
 * each tab's readout and uPlot legend, and how much of each chart canvas is painted. Hidden tabs are not
 * drawn, so readers of a tab show it first.
 */
import type { FrameLocator, Page } from 'playwright-core';

export type ChartsTabId = 'loss' | 'npc' | 'knn' | 'table';

/** What the panel shows at one moment; `lossLastStep` comes from hovering the loss chart's last point. */
export interface ChartsSample {
  state: string;
  lossLastStep: number | null;
  npcStep: number | null;
  knnEpoch: number | null;
}

export class ChartsView {
  constructor(
    private readonly page: Page,
    readonly frame: FrameLocator,
  ) {}

  async waitUntilLoaded(timeoutMs = 60_000): Promise<void> {
    await this.frame.locator('.run-header .state-badge').first().waitFor({ timeout: timeoutMs });
  }

  async headerText(): Promise<string> {
    return (await this.frame.locator('.run-header').textContent()) ?? '';
  }

  /** State badges, one per run. */
  async states(): Promise<string[]> {
    return (await this.frame.locator('.run-header .state-badge').allTextContents()).map((s) => s.trim());
  }

  async showTab(id: ChartsTabId): Promise<void> {
    await this.frame.locator(`vscode-tab-header[data-tab="${id}"]`).click();
    await this.frame.locator(`[data-view="${id}"]:not([hidden])`).waitFor({ timeout: 10_000 });
  }

  /** The tab's readout paragraph (NPC: latest summary; kNN: best and latest accuracy). */
  async readout(id: 'npc' | 'knn'): Promise<string> {
    return ((await this.frame.locator(`[data-view="${id}"] .readout`).textContent()) ?? '').trim();
  }

  /** Series names in a chart's legend (without the x series). */
  async legend(id: ChartsTabId, chart = 0): Promise<string[]> {
    const labels = await this.frame.locator(`[data-view="${id}"] .chart`).nth(chart).locator('.u-legend .u-series .u-label').allTextContents();
    return labels.slice(1);
  }

  /** Painted pixels of each chart canvas of a tab (uPlot draws series and bands on one canvas per chart). */
  async ink(id: ChartsTabId): Promise<{ painted: number; total: number }[]> {
    return this.frame.locator(`[data-view="${id}"] .uplot canvas`).evaluateAll((canvases) =>
      canvases.map((c) => {
        const canvas = c as HTMLCanvasElement;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return { painted, total: data.length / 4 };
      }),
    );
  }

  /**
   * The x value (training step) of the loss chart's last point: the cursor is put at the plot's right
   * edge, where uPlot snaps to the nearest point and the legend shows its x. Null while there is no plot.
   */
  async lossLastStep(): Promise<number | null> {
    const over = this.frame.locator('[data-view="loss"] .u-over');
    if ((await over.count()) === 0 || !(await over.isVisible())) return null;
    const box = await over.boundingBox();
    if (!box) return null;
    await this.page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
    const text = await this.frame.locator('[data-view="loss"] .u-legend .u-series').first().locator('.u-value').textContent();
    await this.page.mouse.move(box.x + box.width + 40, box.y - 40);
    const value = Number((text ?? '').replace(/[\s,\u202f]/g, ''));
    return Number.isFinite(value) ? value : null;
  }

  /** One sample of the live panel: state, last loss step, latest NPC step, latest kNN epoch. */
  async sample(): Promise<ChartsSample> {
    const [state] = await this.states();
    await this.showTab('loss');
    const lossLastStep = await this.lossLastStep();
    await this.showTab('npc');
    const npcStep = parseNumberAfter(await this.readout('npc'), /\(step ([\d\s,\u202f]+)\)/);
    await this.showTab('knn');
    const knnEpoch = parseNumberAfter(await this.readout('knn'), /latest [^(]*\(epoch ([\d.]+)\)/);
    await this.showTab('loss');
    return { state: state ?? '', lossLastStep, npcStep, knnEpoch };
  }
}

function parseNumberAfter(text: string, pattern: RegExp): number | null {
  const m = pattern.exec(text);
  if (!m) return null;
  const value = Number(m[1].replace(/[\s,\u202f]/g, ''));
  return Number.isFinite(value) ? value : null;
}
