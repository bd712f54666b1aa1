/**
 * The start-run flow's questions as VS Code QuickPick / InputBox steps with a Back button, following the
 * multi-step idiom of microsoft/vscode-extension-samples (quickinput-sample): one input at a time, title
 * with "step/total", Escape cancels, Back returns the previous step.
 */
import * as vscode from 'vscode';
import type { Answer, PickItem, Prompter, StepFrame } from '../flow/prompter';

interface ValueItem<T> extends vscode.QuickPickItem {
  value: T;
}

function configure<T extends vscode.QuickPickItem>(input: vscode.QuickPick<T> | vscode.InputBox, frame: StepFrame): void {
  input.title = frame.title;
  input.step = frame.step;
  input.totalSteps = frame.totalSteps;
  input.buttons = frame.canGoBack ? [vscode.QuickInputButtons.Back] : [];
  // The folder dialog and the error message of the dataset step take focus; keep the flow open.
  input.ignoreFocusOut = true;
}

export class QuickInputPrompter implements Prompter {
  pick<T>(frame: StepFrame, options: { placeholder: string; items: PickItem<T>[]; active?: (value: T) => boolean }): Promise<Answer<T>> {
    const qp = vscode.window.createQuickPick<ValueItem<T>>();
    configure(qp, frame);
    qp.placeholder = options.placeholder;
    qp.matchOnDescription = true;
    qp.items = options.items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, value: i.value }));
    const active = options.active ? qp.items.find((i) => options.active?.(i.value)) : undefined;
    if (active) qp.activeItems = [active];
    return this.settle(qp, (resolve) => [
      qp.onDidAccept(() => {
        const chosen = qp.selectedItems[0] ?? qp.activeItems[0];
        if (chosen) resolve({ kind: 'value', value: chosen.value });
      }),
    ]);
  }

  input(frame: StepFrame, options: { prompt: string; value: string; validate: (text: string) => string | undefined }): Promise<Answer<string>> {
    const box = vscode.window.createInputBox();
    configure(box, frame);
    box.prompt = options.prompt;
    box.value = options.value;
    box.valueSelection = [0, options.value.length];
    return this.settle(box, (resolve) => [
      box.onDidChangeValue((text) => {
        box.validationMessage = options.validate(text);
      }),
      box.onDidAccept(() => {
        const problem = options.validate(box.value);
        box.validationMessage = problem;
        if (!problem) resolve({ kind: 'value', value: box.value });
      }),
    ]);
  }

  async pickFolder(options: { title: string; defaultPath?: string }): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({
      title: options.title,
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Use this folder',
      defaultUri: options.defaultPath ? vscode.Uri.file(options.defaultPath) : vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    return picked?.[0]?.fsPath;
  }

  async showProblem(message: string): Promise<void> {
    // Modal: the flow waits until the user has read why the folder was refused, then asks again.
    await vscode.window.showErrorMessage('This folder cannot be used', { modal: true, detail: message });
  }

  /** Shows `input` and resolves once: a value from `wire`, Back, or cancel when it is hidden. */
  private settle<T>(input: vscode.QuickInput & { onDidTriggerButton: vscode.Event<vscode.QuickInputButton> }, wire: (resolve: (a: Answer<T>) => void) => vscode.Disposable[]): Promise<Answer<T>> {
    return new Promise((resolvePromise) => {
      let settled = false;
      const disposables: vscode.Disposable[] = [];
      const resolve = (answer: Answer<T>): void => {
        if (settled) return;
        settled = true;
        for (const d of disposables) d.dispose();
        input.dispose();
        resolvePromise(answer);
      };
      disposables.push(
        ...wire(resolve),
        input.onDidTriggerButton((button) => {
          if (button === vscode.QuickInputButtons.Back) resolve({ kind: 'back' });
        }),
        input.onDidHide(() => resolve({ kind: 'cancel' })),
      );
      input.show();
    });
  }
}
