/**
 * A minimal typed event emitter shaped like `vscode.EventEmitter`, so the VS Code-independent parts of
 * the host (store, run manager) can publish events that the adapters pass straight to VS Code APIs,
 * while unit tests run them in plain Node.
 */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;
export type Event<T> = (listener: Listener<T>) => Disposable;

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    // Copy first: a listener may unsubscribe itself while we iterate.
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (e) {
        // One faulty listener must not stop the others (or the trainer bookkeeping that fired it).
        console.error('dcl-explorer: event listener failed:', e);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** Resolves once `event` fires a value that satisfies `predicate` (tests and the stop-then-delete flow). */
export function nextEvent<T>(event: Event<T>, predicate: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((value) => {
      if (!predicate(value)) return;
      sub.dispose();
      resolve(value);
    });
  });
}
