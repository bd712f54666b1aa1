/**
 * Typed access to the webview API VS Code injects. acquireVsCodeApi may be called only once per page load,
 * so every module goes through this one cached instance.
 */
export interface VsCodeApi<Out, State> {
  postMessage(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

let instance: VsCodeApi<unknown, unknown> | undefined;

export function vscodeApi<Out, State>(): VsCodeApi<Out, State> {
  instance ??= acquireVsCodeApi() as VsCodeApi<unknown, unknown>;
  return instance as VsCodeApi<Out, State>;
}
