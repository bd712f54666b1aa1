/**
 * The typed contract between the extension host and the charts webview.
 *
 * Bulk series travel as columns of typed arrays: postMessage structured-clones them as one memory copy
 * each, where a JSON array of 100 000 numbers would be re-encoded and re-parsed element by element.
 * Everything here is plain data so both sides (and the tests) import it without vscode or the DOM.
 */
import type { NpcProfile } from './npcProfile';
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES, type FailedEvent, type FinishedEvent, type LinearEvent, type NpcSummary, type ResumedEvent, type RunConfig, type RunStatus, type StartedEvent, type StoppedEvent } from './protocol';

export const CHARTS_VIEW_TYPE = 'dclExplorer.charts';
export const MIN_COMPARED_RUNS = 2;
export const MAX_COMPARED_RUNS = 8;

/** `step` events as columns; `time` is milliseconds since the Unix epoch. */
export interface StepColumns {
  step: Float64Array;
  epoch: Float64Array;
  time: Float64Array;
  loss: Float64Array;
  lr: Float64Array;
  imagesPerSecond: Float64Array;
}

/** How one column stores a field: values per row, Float32 instead of Float64, and the value of a missing slot. */
export interface ColumnLayout {
  width: number;
  float32?: boolean;
  missing: number;
}

/**
 * Every NpcSummary field as a column, the one place that says how a field travels to the charts: a new
 * statistic in NpcSummary does not compile until it has a line here, and the host's encoder and the webview's
 * growable columns both follow this table. Matrices are row-major, one row per event; a summary written with
 * other percentile levels or bin counts keeps its fixed slots (missing percentiles NaN, missing bins 0).
 */
export const NPC_SUMMARY_COLUMNS = {
  count: { width: 1, missing: NaN },
  mean: { width: 1, missing: NaN },
  std: { width: 1, missing: NaN },
  cv: { width: 1, missing: NaN },
  percentiles: { width: NPC_PERCENTILES.length, missing: NaN },
  // Float32 is exact for counts below 2^24 and halves the memory.
  histogram: { width: NPC_HISTOGRAM_BINS, float32: true, missing: 0 },
} as const satisfies { readonly [K in keyof NpcSummary]: ColumnLayout };

/** `npc` summaries as columns (NPC_SUMMARY_COLUMNS), after the step, epoch and time of each event. */
export type NpcColumns = { step: Float64Array; epoch: Float64Array; time: Float64Array } & {
  [K in keyof NpcSummary]: (typeof NPC_SUMMARY_COLUMNS)[K] extends { float32: true } ? Float32Array : Float64Array;
};

export interface KnnColumns {
  step: Float64Array;
  epoch: Float64Array;
  time: Float64Array;
  accuracy: Float64Array;
  k: Float64Array;
}

/** The few events that change what a run is rather than adding a point; sent as plain objects. */
export type LifecycleEvent = StartedEvent | FinishedEvent | StoppedEvent | FailedEvent | ResumedEvent;

/** Some consecutive events of one run, in file order within each column set. */
export interface SeriesBatch {
  steps: StepColumns;
  npc: NpcColumns;
  knn: KnnColumns;
  lifecycle: LifecycleEvent[];
  /** Linear evaluations (`eval.linear` or `dcl-explorer eval`): one or two per run, sent as plain objects. */
  linear: LinearEvent[];
  /** Complete lines that were not valid events (skipped). */
  badLines: number;
}

export type ChartsMode = 'single' | 'compare';

export interface ChartRunInfo {
  runDir: string;
  /** The run folder's name. */
  runId: string;
  /** null when config.json is missing or unreadable. */
  config: RunConfig | null;
  status: RunStatus | null;
}

/** One cached `npc-profile` result of a run: its file name in `<run>/npc-profile/` and its validated content. */
export interface NpcProfileEntry {
  file: string;
  profile: NpcProfile;
}

/** Where a run's `npc-profile` computation stands (one at a time per run). */
export type NpcProfileJobState =
  | { state: 'running'; initial: boolean; progress: number | null; stage: string }
  | { state: 'done' }
  | { state: 'cancelled' }
  | { state: 'failed'; message: string };

/** Host → webview. `run` indexes `init.runs`. */
export type HostToChartsMessage =
  | { type: 'init'; mode: ChartsMode; runs: ChartRunInfo[] }
  /** Replaces everything known about the run (panel opened, webview reloaded, or the log was rewritten). */
  | { type: 'history'; run: number; batch: SeriesBatch }
  /** Events appended since the last history/append. */
  | { type: 'append'; run: number; batch: SeriesBatch }
  | { type: 'status'; run: number; status: RunStatus }
  | { type: 'feedError'; run: number; message: string }
  /**
   * Every readable cached NPC-vs-batch-size profile of the run (replaces earlier lists); `problems` names
   * the files that were skipped and why; `select` is a just-computed file the view should switch to.
   */
  | { type: 'npcProfiles'; run: number; profiles: NpcProfileEntry[]; problems: string[]; select?: string }
  | { type: 'npcProfileJob'; run: number; job: NpcProfileJobState };

export type ExportFormat = 'png' | 'svg' | 'csv' | 'md';

/** Webview → host. The host checks each with parseChartsToHost: a webview is untrusted input. */
export type ChartsToHostMessage =
  | { type: 'ready' }
  | { type: 'stopRun'; run: number }
  /** Text formats carry a string, PNG carries its bytes. */
  | { type: 'saveFile'; format: ExportFormat; suggestedName: string; content: string | Uint8Array }
  | { type: 'copyText'; text: string; description: string }
  /** Run `dcl-explorer npc-profile` for the run's latest checkpoint, or for its initial model. */
  | { type: 'computeNpcProfile'; run: number; initial: boolean }
  | { type: 'cancelNpcProfile'; run: number };

const EXPORT_FORMATS: readonly ExportFormat[] = ['png', 'svg', 'csv', 'md'];

function isRunIndex(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) < MAX_COMPARED_RUNS;
}

/**
 * A message from the charts webview, checked before use; a malformed one gives the reason instead (the same
 * idiom as parseProjectionToHost).
 */
export function parseChartsToHost(x: unknown): ChartsToHostMessage | string {
  if (typeof x !== 'object' || x === null) return 'message is not an object';
  const m = x as Record<string, unknown>;
  const runIndex = `a run index 0–${MAX_COMPARED_RUNS - 1}`;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'stopRun':
    case 'cancelNpcProfile':
      return isRunIndex(m.run) ? { type: m.type, run: m.run as number } : `${m.type} needs ${runIndex}`;
    case 'computeNpcProfile':
      if (!isRunIndex(m.run) || typeof m.initial !== 'boolean') return `computeNpcProfile needs ${runIndex} and a boolean initial`;
      return { type: 'computeNpcProfile', run: m.run as number, initial: m.initial };
    case 'saveFile':
      if (!EXPORT_FORMATS.includes(m.format as ExportFormat)) return `saveFile: unknown format ${JSON.stringify(m.format)}`;
      if (typeof m.suggestedName !== 'string' || !(typeof m.content === 'string' || m.content instanceof Uint8Array)) {
        return 'saveFile needs a suggestedName and string or Uint8Array content';
      }
      return { type: 'saveFile', format: m.format as ExportFormat, suggestedName: m.suggestedName, content: m.content };
    case 'copyText':
      if (typeof m.text !== 'string' || typeof m.description !== 'string') return 'copyText needs text and description strings';
      return { type: 'copyText', text: m.text, description: m.description };
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}

/**
 * What the webview keeps with setState besides its UI choices: enough for the panel serializer to reopen
 * the same runs after a window reload.
 */
export interface ChartsPanelIdentity {
  mode: ChartsMode;
  runDirs: string[];
}

/** Reads the panel identity out of a restored webview state; null when the state cannot reopen a panel. */
export function panelIdentityFromState(state: unknown): ChartsPanelIdentity | null {
  if (typeof state !== 'object' || state === null) return null;
  const s = state as Record<string, unknown>;
  if (s.mode !== 'single' && s.mode !== 'compare') return null;
  if (!Array.isArray(s.runDirs) || !s.runDirs.every((d) => typeof d === 'string' && d.length > 0)) return null;
  const runDirs = s.runDirs as string[];
  if (s.mode === 'single' && runDirs.length !== 1) return null;
  if (s.mode === 'compare' && (runDirs.length < MIN_COMPARED_RUNS || runDirs.length > MAX_COMPARED_RUNS)) return null;
  return { mode: s.mode, runDirs };
}
