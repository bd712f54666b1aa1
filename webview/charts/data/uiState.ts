/**
 * The panel's UI choices, persisted with the webview's setState so a reload (or a panel hidden and shown
 * again) comes back as it was. Restored state is untrusted (older versions, hand-edited workspace storage),
 * so every field is checked and falls back to its default.
 */
import { MAX_COMPARED_RUNS, type ChartsPanelIdentity } from '../../../src/shared/chartsMessages';
import type { ChartId } from './chartSpec';
import type { XRange } from './downsample';
import { X_AXIS_MODES, type XAxisMode } from './xAxis';

export type TabId = 'loss' | 'npc' | 'npcProfile' | 'knn' | 'table';
export const TAB_IDS: readonly TabId[] = ['loss', 'npc', 'npcProfile', 'knn', 'table'];

export const MAX_SMOOTHING = 0.999;

export interface ChartsUiState {
  /** TensorBoard smoothing weight, 0 … 0.999. */
  smoothing: number;
  xAxis: XAxisMode;
  logY: boolean;
  tab: TabId;
  /** x window per chart while zoomed (in the units of the x-axis it was chosen on). */
  zoom: Partial<Record<ChartId, XRange>>;
  /** Step shown by the histogram slider; null follows the latest. */
  histogramStep: number | null;
  histogramPinned: number[];
  /** NPC vs batch size: the run shown (comparisons show one run's profiles at a time)… */
  profileRun: number;
  /** …its profile (file name in <run>/npc-profile/); null shows the newest. */
  profileFile: string | null;
  /** Density on an asinh (log-like) axis, so the flat small-batch curves stay visible next to the large-batch spike. */
  profileLogY: boolean;
}

export const DEFAULT_UI_STATE: ChartsUiState = {
  smoothing: 0.6,
  xAxis: 'step',
  logY: false,
  tab: 'loss',
  zoom: {},
  histogramStep: null,
  histogramPinned: [],
  profileRun: 0,
  profileFile: null,
  profileLogY: false,
};

/** What setState stores: the panel identity (for the serializer) plus the UI choices. */
export interface PersistedChartsState extends ChartsPanelIdentity {
  ui: ChartsUiState;
}

const CHART_IDS: readonly ChartId[] = ['loss', 'npcBands', 'npcHistogram', 'knn'];
const MAX_PINNED = 8;

function isRange(x: unknown): x is XRange {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as XRange;
  return Number.isFinite(r.min) && Number.isFinite(r.max) && r.min < r.max;
}

export function sanitizeUiState(raw: unknown): ChartsUiState {
  const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const d = DEFAULT_UI_STATE;
  const smoothing = typeof s.smoothing === 'number' && Number.isFinite(s.smoothing) ? Math.min(Math.max(s.smoothing, 0), MAX_SMOOTHING) : d.smoothing;
  const zoom: ChartsUiState['zoom'] = {};
  if (typeof s.zoom === 'object' && s.zoom !== null) {
    for (const id of CHART_IDS) {
      const r = (s.zoom as Record<string, unknown>)[id];
      if (isRange(r)) zoom[id] = { min: r.min, max: r.max };
    }
  }
  return {
    smoothing,
    xAxis: X_AXIS_MODES.includes(s.xAxis as XAxisMode) ? (s.xAxis as XAxisMode) : d.xAxis,
    logY: typeof s.logY === 'boolean' ? s.logY : d.logY,
    tab: TAB_IDS.includes(s.tab as TabId) ? (s.tab as TabId) : d.tab,
    zoom,
    histogramStep: typeof s.histogramStep === 'number' && Number.isFinite(s.histogramStep) ? s.histogramStep : null,
    histogramPinned: Array.isArray(s.histogramPinned)
      ? [...new Set(s.histogramPinned.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)))].slice(0, MAX_PINNED)
      : [],
    profileRun: Number.isInteger(s.profileRun) && (s.profileRun as number) >= 0 && (s.profileRun as number) < MAX_COMPARED_RUNS ? (s.profileRun as number) : d.profileRun,
    profileFile: typeof s.profileFile === 'string' && /^[\w.-]{1,200}\.json$/.test(s.profileFile) ? s.profileFile : null,
    profileLogY: typeof s.profileLogY === 'boolean' ? s.profileLogY : d.profileLogY,
  };
}

export function togglePinned(pinned: readonly number[], step: number): number[] {
  if (pinned.includes(step)) return pinned.filter((p) => p !== step);
  return [...pinned, step].sort((a, b) => a - b).slice(-MAX_PINNED);
}
