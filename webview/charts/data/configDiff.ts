/**
 * Names compared runs by what differs between their configs: "loss=dcl, batch=256" against
 * "loss=infonce, batch=256" says what the comparison is about, where run ids would not.
 */
import type { RunConfig } from '../../../src/shared/protocol';

/** Settings that never explain a difference in results. */
const IGNORED_KEYS = new Set(['name', 'runsDir', 'dataDir']);

/** Short names for the keys people compare most; the rest keep their dotted path. */
const KEY_ALIASES: Record<string, string> = {
  loss: 'loss',
  batchSize: 'batch',
  temperature: 'τ',
  sigma: 'σ',
  'optimizer.lr': 'lr',
  'optimizer.kind': 'optimizer',
  'optimizer.weightDecay': 'wd',
  'optimizer.warmupEpochs': 'warmup',
  'optimizer.schedule': 'schedule',
  'knn.k': 'kNN k',
  'knn.t': 'kNN t',
};

/** Keys shown first, in this order: the paper's axes of comparison. */
const LEADING_KEYS = ['loss', 'batchSize', 'temperature', 'sigma'];

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.map(formatValue).join('×');
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Leaf settings as dotted keys: {optimizer: {lr: 0.1}} → {'optimizer.lr': '0.1'}. */
export function flattenConfig(config: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(config) as [string, unknown][]) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of flattenConfig(value, path)) out.set(k, v);
    } else if (value !== undefined) {
      out.set(path, formatValue(value));
    }
  }
  return out;
}

/** Keys whose value is not the same in every config (a key missing from some counts as differing). */
export function differingKeys(configs: readonly (RunConfig | null)[]): string[] {
  const flat = configs.filter((c): c is RunConfig => c !== null).map((c) => flattenConfig(c));
  if (flat.length < 2) return [];
  const keys = new Set<string>();
  for (const f of flat) for (const k of f.keys()) if (!IGNORED_KEYS.has(k)) keys.add(k);
  const differing = [...keys].filter((k) => flat.some((f) => f.get(k) !== flat[0].get(k)));
  const rank = (k: string) => (LEADING_KEYS.includes(k) ? LEADING_KEYS.indexOf(k) : LEADING_KEYS.length);
  return differing.sort((a, b) => rank(a) - rank(b)); // stable: the rest stay in config order
}

export function keyLabel(key: string): string {
  return KEY_ALIASES[key] ?? key;
}

export interface NamedRun {
  runId: string;
  config: RunConfig | null;
}

/** One legend label per run; runs whose configs do not differ fall back to their name or id. */
export function runLabels(runs: readonly NamedRun[]): string[] {
  const keys = differingKeys(runs.map((r) => r.config));
  const labels = runs.map((r) => {
    if (!r.config || keys.length === 0) return r.config?.name || r.runId;
    const flat = flattenConfig(r.config);
    return keys.map((k) => `${keyLabel(k)}=${flat.get(k) ?? '—'}`).join(', ');
  });
  // Two runs with identical configs (repeats) would share a label: tell them apart by id.
  return labels.map((label, i) => (labels.indexOf(label) !== labels.lastIndexOf(label) ? `${label} (${runs[i].runId})` : label));
}
