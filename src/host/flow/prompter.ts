/**
 * What the start-run flow needs from a UI: one-question steps with Back, a folder dialog and a way to
 * show a problem. VS Code's QuickPick/InputBox implement it (src/host/vscode/quickInputPrompter.ts); the
 * unit tests drive the flow with a scripted one.
 */

export type Answer<T> = { kind: 'value'; value: T } | { kind: 'back' } | { kind: 'cancel' };

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

/** Where a step sits in the flow: shown as the title and "2/6", and whether Back is offered. */
export interface StepFrame {
  title: string;
  step: number;
  totalSteps: number;
  canGoBack: boolean;
}

export interface Prompter {
  pick<T>(frame: StepFrame, options: { placeholder: string; items: PickItem<T>[]; active?: (value: T) => boolean }): Promise<Answer<T>>;
  input(frame: StepFrame, options: { prompt: string; value: string; validate: (text: string) => string | undefined }): Promise<Answer<string>>;
  /** A folder dialog; undefined when dismissed. */
  pickFolder(options: { title: string; defaultPath?: string }): Promise<string | undefined>;
  /** Shows a problem with the user's choice; the flow then asks the same step again. */
  showProblem(message: string): Promise<void>;
}
