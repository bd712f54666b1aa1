/**
 * Drives the VS Code workbench the way a user does: keyboard in the command palette and QuickPicks,
 * clicks and context menus in the Runs view, and the webview of the active editor. Selectors are VS Code's
 * own DOM (1.100, as code-server 4.100.3 ships it); each helper waits for what it needs rather than sleeping.
 */
import * as path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { ProblemWatch } from './browser';
import { waitFor } from './waitFor';

export interface RunRow {
  /** Position in the tree (the row element's data-index). */
  index: number;
  /** The run's label as the tree shows it (e.g. `dcl · b128 · τ0.1`), then its description. */
  ariaLabel: string;
  /** The state group it is listed under (`Running`, `Finished`, …), from the group row above it. */
  group: string;
  /** The codicon of its state icon (`sync`, `pass`, `debug-stop`, …). */
  icon: string;
}

export class Workbench {
  readonly problems: ProblemWatch;

  private constructor(
    readonly page: Page,
    private readonly artifacts: string,
  ) {
    this.problems = new ProblemWatch(page);
  }

  /** Opens the workbench on `url` in a new page and waits until our view container is contributed. */
  static async open(browser: Browser, url: string, artifacts: string): Promise<Workbench> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const workbench = new Workbench(await context.newPage(), artifacts);
    await workbench.page.goto(url);
    await workbench.waitUntilReady();
    return workbench;
  }

  /** After a load or reload: the workbench is laid out and the extensions' contributions are registered. */
  async waitUntilReady(): Promise<void> {
    await this.page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 90_000 });
    await this.page.locator('.activitybar [aria-label="DCL Explorer"]').first().waitFor({ timeout: 90_000 });
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }

  // ---- command palette and quick input

  private get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Runs a command by its palette title (e.g. `DCL: Start DCL run`), typed into F1 as a user would. */
  async runCommand(title: string): Promise<void> {
    await this.dismissQuickInput();
    await this.page.keyboard.press('F1');
    const input = this.quickInput.locator('input.input');
    await input.waitFor();
    await input.focus();
    await this.page.keyboard.type(title);
    // Wait for the command's own row (not one that merely starts the same) to be the highlighted one.
    await this.quickInput.locator('.monaco-list-row.focused .label-name').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }).waitFor({ timeout: 15_000 });
    await this.page.keyboard.press('Enter');
  }

  /** Title of the visible quick input (e.g. `Start DCL run (3/6)`), or '' when none is shown. */
  async quickInputTitle(): Promise<string> {
    if (!(await this.quickInput.isVisible())) return '';
    return ((await this.quickInput.locator('.quick-input-title').textContent()) ?? '').trim();
  }

  /** Waits for the quick input titled `title` (exact, step counter included) to be showing. */
  async waitForQuickInput(title: string): Promise<void> {
    await waitFor(`quick input "${title}"`, async () => (await this.quickInputTitle()) === title, 20_000);
  }

  /**
   * Answers the visible QuickPick or InputBox from the keyboard: types `text` (a filter for a pick, a
   * replacement of the preselected value for an input box) and presses Enter once the first row of a pick
   * is the one whose label is `text`.
   */
  async answer(text: string): Promise<void> {
    const input = this.quickInput.locator('input.input');
    await input.waitFor();
    // A quick input shown by an extension while a webview has focus does not always take the focus.
    await input.focus();
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.type(text);
    await waitFor(`"${text}" typed into the quick input`, async () => (await input.inputValue()) === text, 10_000);
    if (await this.quickInput.locator('.quick-input-list .monaco-list-row').first().isVisible()) {
      await this.quickInput.locator('.monaco-list-row.focused .label-name').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) }).waitFor({ timeout: 10_000 });
    }
    await this.page.keyboard.press('Enter');
  }

  async dismissQuickInput(): Promise<void> {
    if (await this.quickInput.isVisible()) await this.page.keyboard.press('Escape');
  }

  // ---- the Runs view

  private get runsTree(): Locator {
    return this.page.locator('.monaco-list[aria-label="Runs"]');
  }

  /** Opens the DCL Explorer side bar. (With no runs, the tree is hidden behind its welcome content.) */
  async showRunsView(): Promise<void> {
    const container = this.page.locator('[id="workbench.view.extension.dclExplorer"]');
    // Right after a reload VS Code may still be restoring the side bar with this view in it: give it a moment,
    // because clicking the icon of the view container already shown hides the side bar instead. If a click
    // lands in that window anyway, the next round clicks again and shows it.
    for (let attempt = 0; attempt < 4; attempt++) {
      if (await container.waitFor({ timeout: attempt === 0 ? 3_000 : 8_000 }).then(() => true, () => false)) return;
      await this.page.locator('.activitybar [aria-label="DCL Explorer"]').first().click();
    }
    await container.waitFor({ timeout: 10_000 });
  }

  /** The run rows in display order, each with the state group it sits in. */
  async runRows(): Promise<RunRow[]> {
    return this.runsTree.locator('[role="treeitem"]').evaluateAll((elements) => {
      // The list recycles row elements, so DOM order is not display order: sort by data-index.
      const rows = elements.slice().sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')));
      const out: { index: number; ariaLabel: string; group: string; icon: string }[] = [];
      let group = '';
      for (const row of rows) {
        const label = (row.getAttribute('aria-label') ?? '').trim();
        if (row.getAttribute('aria-level') === '1') {
          group = label.replace(/\s*\(\d+\)$/, '');
          continue;
        }
        const iconClass = Array.from(row.querySelector('.custom-view-tree-node-item-icon')?.classList ?? []).find((c) => c.startsWith('codicon-') && c !== 'codicon-modifier-spin');
        out.push({ index: Number(row.getAttribute('data-index')), ariaLabel: label, group, icon: (iconClass ?? '').replace(/^codicon-/, '') });
      }
      return out;
    });
  }

  /** The row of the first run whose aria-label starts with `label` and that is listed under `group`. */
  async runRow(label: string, group: string): Promise<Locator> {
    const row = await waitFor(`a "${label}" run under "${group}" in the Runs view`, async () => (await this.runRows()).find((r) => r.group === group && r.ariaLabel.startsWith(label)), 30_000);
    return this.runsTree.locator(`[role="treeitem"][data-index="${row.index}"]`);
  }

  /**
   * Right-clicks `row` and picks `action` from its context menu with the keyboard (arrow keys, Enter).
   * A mouse click right after the menu opens can be taken for the release of the right click and ignored.
   * A menu closed by a focus change (a webview opened by an earlier click taking focus) is opened again.
   */
  async contextMenu(row: Locator, action: string, attempts = 3): Promise<void> {
    const menu = this.page.locator('.context-view .monaco-menu');
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await row.click({ button: 'right' });
      await menu.waitFor();
      const labels = (await menu.locator('.action-item:not(.disabled) .action-label').allTextContents()).map((l) => l.trim()).filter(Boolean);
      if (!labels.includes(action)) {
        await this.page.keyboard.press('Escape');
        throw new Error(`no "${action}" in the context menu: ${JSON.stringify(labels)}`);
      }
      for (let i = 0; i <= labels.length && (await menu.isVisible()); i++) {
        await this.page.keyboard.press('ArrowDown');
        const focused = menu.locator('.action-item.focused .action-label');
        const text = (await focused.isVisible()) ? ((await focused.textContent({ timeout: 2_000 })) ?? '').trim() : '';
        if (text === action) {
          await this.page.keyboard.press('Enter');
          await menu.waitFor({ state: 'hidden' });
          return;
        }
      }
      await this.page.keyboard.press('Escape');
    }
    throw new Error(`could not pick "${action}" from the context menu in ${attempts} attempts`);
  }

  /** Clicks an inline action (the icons a row shows on hover) of `row`, by its title. */
  async inlineAction(row: Locator, title: string): Promise<void> {
    await row.hover();
    await row.locator(`.actions .action-label[aria-label="${title}"]`).click();
  }

  // ---- editors and webviews

  /** Title of the active editor tab. */
  async activeEditorTitle(): Promise<string> {
    return ((await this.page.locator('.tabs-container .tab.active .label-name').first().textContent()) ?? '').trim();
  }

  /** Waits for an editor tab whose title starts with `prefix`, then activates it. */
  async activateEditor(prefix: string): Promise<void> {
    const tab = this.page.locator('.tabs-container .tab').filter({ has: this.page.locator('.label-name', { hasText: prefix }) }).first();
    await tab.waitFor({ timeout: 60_000 });
    await tab.click();
  }

  /**
   * The document of the visible webview (the active webview editor): VS Code hosts each webview in an
   * outer iframe and the extension's page in its `#active-frame`. Hidden webviews keep their iframes, so
   * only the visible one is taken.
   */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
  }

  /** Closes all editors (View: Close All Editors). */
  async closeAllEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
    await waitFor('no open editors', async () => (await this.page.locator('.tabs-container .tab').count()) === 0, 10_000);
  }

  /** Reloads the window as "Developer: Reload Window" does, and waits for the workbench again. */
  async reloadWindow(): Promise<void> {
    await this.runCommand('Developer: Reload Window');
    await this.page.waitForEvent('load', { timeout: 60_000 });
    await this.waitUntilReady();
  }

  /** Notification toasts currently shown, as text. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-toast .notification-list-item-message').allTextContents();
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
