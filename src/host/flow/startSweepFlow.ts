/**
 * The "Start sweep…" questions: losses, batch sizes, seeds (comma-separated), more config fields to vary
 * (pick temperature, lr, weight decay, … and enter its values, as the CLI's --grid; Continue when done), the
 * launcher (this machine or Slurm) and, for Slurm, how many array elements run at once. Back returns to the previous question with
 * its answer kept; Escape cancels. `planSweepRuns` turns the answers into one complete, validated config per
 * grid element, all sharing one sweepId.
 */
import type { LauncherKind } from '../../launchers/launcher';
import { LOSS_KINDS, type LossKind, type RunConfig } from '../../shared/protocol';
import { checkGridValues, configValue, GRID_FIELDS, GridError, parseGridArgs, planSweep, sweepAxes, sweepField, type GridAxis, type PlannedRun } from '../../shared/sweepGrid';
import type { PickItem, Prompter, StepFrame } from './prompter';

export interface SweepChoice {
  losses: LossKind[];
  batchSizes: number[];
  seeds: number[];
  /** The other config fields varied (the CLI's --grid), each with its values; empty when none. */
  grid: GridAxis[];
  launcher: LauncherKind;
  /** Slurm: array elements at once (`%N`); local runs follow dclExplorer.maxConcurrentRuns. */
  concurrency: number;
}

type Parsed<T> = { ok: true; values: T[] } | { ok: false; problem: string };

function parseList<T>(text: string, parse: (s: string) => T | undefined, what: string): Parsed<T> {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) return { ok: false, problem: `Enter at least one ${what}, separated by commas` };
  const values: T[] = [];
  for (const item of items) {
    const v = parse(item);
    if (v === undefined) return { ok: false, problem: `"${item}" is not ${what}` };
    if (!values.includes(v)) values.push(v);
  }
  return { ok: true, values };
}

const whole = (min: number) => (s: string) => (/^\d+$/.test(s) && Number(s) >= min ? Number(s) : undefined);
export const parseLosses = (t: string) => parseList(t, (s) => (LOSS_KINDS.includes(s as LossKind) ? (s as LossKind) : undefined), `a loss (${LOSS_KINDS.join(', ')})`);
export const parseBatchSizes = (t: string) => parseList(t, whole(2), 'a batch size (a whole number ≥ 2)');
export const parseSeeds = (t: string) => parseList(t, whole(0), 'a seed (a whole number ≥ 0)');

/**
 * `temperature=0.05,0.1; lr=1e-3,3e-4` (empty: none), each value checked by the single-run rules on the
 * defaults the runs start from, so the flow refuses what the trainer would.
 */
export function parseGridText(text: string, defaults: RunConfig): Parsed<GridAxis> {
  const parts = text.split(';').map((s) => s.trim()).filter(Boolean);
  try {
    const axes = parseGridArgs(parts);
    checkGridValues(defaults, axes);
    return { ok: true, values: axes };
  } catch (e) {
    // The messages name the CLI flag (--grid lr=-1: …); here the field alone reads better.
    if (e instanceof GridError) return { ok: false, problem: e.message.replace(/^--grid /, '') };
    throw e;
  }
}

/** The fields to vary as the user entered them: config path → comma-separated values, in the order picked. */
type GridAnswers = Record<string, string>;
const gridText = (grid: GridAnswers): string => Object.entries(grid).map(([path, values]) => `${sweepField(path).flag}=${values}`).join('; ');

/** Continue (the fields so far), then every field a sweep can vary with its values or its default. */
function gridItems(grid: GridAnswers, defaults: RunConfig): PickItem<string>[] {
  return [
    { label: 'Continue', description: gridText(grid) || 'vary no other field', value: '' },
    ...GRID_FIELDS.map((f) => ({ label: f.flag, description: grid[f.path] ? `varied: ${grid[f.path]}` : `default ${configValue(defaults, f.path)}`, value: f.path })),
  ];
}

const LAUNCHER_ITEMS: PickItem<LauncherKind>[] = [
  { label: 'This machine', description: 'trainer processes here, dclExplorer.maxConcurrentRuns at a time', value: 'local' },
  { label: 'Slurm cluster', description: 'one job array via sbatch (the runs folder must be on shared storage)', value: 'slurm' },
];

export async function runStartSweepFlow(prompter: Prompter, options: { title: string; defaults: RunConfig; last?: Partial<SweepChoice> }): Promise<SweepChoice | undefined> {
  const answers = {
    losses: (options.last?.losses ?? [...LOSS_KINDS]).join(','),
    batchSizes: (options.last?.batchSizes ?? [options.defaults.batchSize]).join(','),
    seeds: (options.last?.seeds ?? [0, 1, 2]).join(','),
    grid: Object.fromEntries<string>((options.last?.grid ?? []).map((a) => [a.field, a.values.join(',')])),
    launcher: options.last?.launcher ?? ('local'),
    concurrency: String(options.last?.concurrency ?? 4),
  };
  const total = () => (answers.launcher === 'slurm' ? 6 : 5);
  const frame = (step: number): StepFrame => ({ title: options.title, step, totalSteps: total(), canGoBack: step > 1 });
  const textSteps = [
    { key: 'losses', prompt: `Losses, comma-separated (${LOSS_KINDS.join(', ')})`, parse: parseLosses },
    { key: 'batchSizes', prompt: 'Batch sizes, comma-separated (e.g. 64,128,256)', parse: parseBatchSizes },
    { key: 'seeds', prompt: 'Seeds, comma-separated (one run per seed; the table shows mean ± std)', parse: parseSeeds },
  ] as const;
  let step = 1;
  while (step >= 1) {
    if (step <= textSteps.length) {
      const s = textSteps[step - 1];
      const a = await prompter.input(frame(step), { prompt: s.prompt, value: answers[s.key], validate: (t) => { const p = s.parse(t); return p.ok ? undefined : p.problem; } });
      if (a.kind === 'cancel') return undefined;
      if (a.kind === 'back') { step--; continue; }
      answers[s.key] = a.value;
      step++;
    } else if (step === 4) {
      // A loop on one step: pick a field, enter its values (checked as typed), back to the list; Continue moves on.
      const a = await prompter.pick(frame(4), { placeholder: 'More fields to vary? Pick one to enter its values, Continue when done', items: gridItems(answers.grid, options.defaults) });
      if (a.kind === 'cancel') return undefined;
      if (a.kind === 'back') { step--; continue; }
      if (a.value === '') { step++; continue; }
      const field = sweepField(a.value);
      const v = await prompter.input(frame(4), {
        prompt: `Values of ${field.flag} (${field.path}), comma-separated; empty: do not vary it`,
        value: answers.grid[field.path] ?? '',
        validate: (t) => {
          if (/[;=]/.test(t)) return `Enter the values of ${field.flag} only, comma-separated (e.g. 0.05,0.1)`;
          const p = t.trim() ? parseGridText(`${field.flag}=${t}`, options.defaults) : undefined;
          return p && !p.ok ? p.problem : undefined;
        },
      });
      if (v.kind === 'cancel') return undefined;
      if (v.kind === 'value') {
        if (v.value.trim()) answers.grid[field.path] = v.value.trim();
        else delete answers.grid[field.path];
      }
    } else if (step === 5) {
      const a = await prompter.pick(frame(5), { placeholder: 'Where do the runs train?', items: LAUNCHER_ITEMS, active: (v) => v === answers.launcher });
      if (a.kind === 'cancel') return undefined;
      if (a.kind === 'back') { step--; continue; }
      answers.launcher = a.value;
      if (a.value === 'local') break;
      step++;
    } else {
      const a = await prompter.input(frame(6), { prompt: 'Slurm array elements running at once', value: answers.concurrency, validate: (t) => (whole(1)(t.trim()) === undefined ? 'Enter a whole number ≥ 1' : undefined) });
      if (a.kind === 'cancel') return undefined;
      if (a.kind === 'back') { step--; continue; }
      answers.concurrency = a.value.trim();
      break;
    }
  }
  if (step < 1) return undefined;
  const get = <T,>(p: Parsed<T>): T[] => (p.ok ? p.values : []);
  return {
    losses: get(parseLosses(answers.losses)),
    batchSizes: get(parseBatchSizes(answers.batchSizes)),
    seeds: get(parseSeeds(answers.seeds)),
    grid: get(parseGridText(gridText(answers.grid), options.defaults)),
    launcher: answers.launcher,
    concurrency: Number(answers.concurrency),
  };
}

/** One validated config per grid element (losses × batch sizes × grid fields × seeds), named like the CLI's. */
export function planSweepRuns(base: RunConfig, choice: Pick<SweepChoice, 'losses' | 'batchSizes' | 'seeds' | 'grid'>, sweepId: string): PlannedRun[] {
  try {
    return planSweep(base, sweepAxes(choice.losses, choice.batchSizes, choice.grid), choice.seeds, sweepId);
  } catch (e) {
    if (e instanceof GridError) throw new Error(e.message.replace(/^--grid /, ''));
    throw e;
  }
}
