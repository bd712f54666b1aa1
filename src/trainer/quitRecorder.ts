/**
 * A quit that cannot wait for the step to end (Ctrl+C twice) still records how the run ended: the running training
 * loop registers a synchronous recorder here, and the signal handler calls it before process.exit. Before and after
 * the loop, the process's run guard (fatalErrors.ts) has one registered that records a quit before training started.
 */
let recorder: ((why: string) => void) | undefined;

/** Registers the recorder of the run now training; its removal brings back the one it replaced. */
export function setQuitRecorder(record: (why: string) => void): () => void {
  const previous = recorder;
  recorder = record;
  return () => {
    if (recorder === record) recorder = previous;
  };
}

/** Records the quit (once) if a run is training; never throws, since the process exits right after. */
export function recordQuit(why: string): void {
  const record = recorder;
  recorder = undefined;
  try {
    record?.(why);
  } catch {
    // Nothing more can be done on the way out (a full disk); status.json keeps its last state.
  }
}
