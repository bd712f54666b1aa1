/**
 * The "Start sweep…" questions: losses, batch sizes, seeds (comma-separated), the launcher (this
 * machine or Slurm) and, for Slurm, how many array elements run at once. Back returns to the previous
 * question with its answer kept; Escape cancels. `planSweepConfigs` turns the answers into one complete,
 * validated config per grid element, all sharing one sweepId.
 */
import type { LauncherKind } from '../../launchers/launcher';
import { LOSS_KINDS, type LossKind, type RunConfig } from '../../shared/protocol';
import { ConfigError, resolveConfig } from '../../shared/runConfig';
import type { PickItem, Prompter, StepFrame } from './prompter';

export interface SweepChoice {
  losses: LossKind[];
  batchSizes: number[];
  seeds: number[];
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

const LAUNCHER_ITEMS: PickItem<LauncherKind>[] = [
  { label: 'This machine', description: 'trainer processes here, dclExplorer.maxConcurrentRuns at a time', value: 'local' },
  { label: 'Slurm cluster', description: 'one job array via sbatch (the runs folder must be on shared storage)', value: 'slurm' },
];

export async function runStartSweepFlow(prompter: Prompter, options: { title: string; defaults: RunConfig; last?: Partial<SweepChoice> }): Promise<SweepChoice | undefined> {
  const answers = {
    losses: (options.last?.losses ?? [...LOSS_KINDS]).join(','),
    batchSizes: (options.last?.batchSizes ?? [options.defaults.batchSize]).join(','),
    seeds: (options.last?.seeds ?? [0, 1, 2]).join(','),
    launcher: options.last?.launcher ?? ('local'),
    concurrency: String(options.last?.concurrency ?? 4),
  };
  const total = () => (answers.launcher === 'slurm' ? 5 : 4);
  const frame = (step: number): StepFrame => ({ title: options.title, step, totalSteps: total(), canGoBack: step > 1 });
  const textSteps = [
    { key: 'losses', prompt: `Losses, comma-separated (${LOSS_KINDS.join(', ')})`, parse: parseLosses },
    { key: 'batchSizes', prompt: 'Batch sizes, comma-separated (e.g. 64,128,256)', parse: parseBatchSizes },
    { key: 'seeds', prompt: 'Seeds, comma-separated (one run per seed; the table shows mean ± std)', parse: parseSeeds },
  ] as const;
  let step = 1;
  while (step >= 1) {
    if (step <= 3) {
      const s = textSteps[step - 1];
      const a = await prompter.input(frame(step), { prompt: s.prompt, value: answers[s.key], validate: (t) => { const p = s.parse(t); return p.ok ? undefined : p.problem; } });
      if (a.kind === 'cancel') return undefined;
      if (a.kind === 'back') { step--; continue; }
      answers[s.key] = a.value;
      step++;
    } else if (step === 4) {
      const a = await prompter.pick(frame(4), { placeholder: 'Where do the runs train?', items: LAUNCHER_ITEMS, active: (v) => v === answers.launcher });
      if (a.kind === 'cancel') return undefined;
      if (a.kind === 'back') { step--; continue; }
      answers.launcher = a.value;
      if (a.value === 'local') break;
      step++;
    } else {
      const a = await prompter.input(frame(5), { prompt: 'Slurm array elements running at once', value: answers.concurrency, validate: (t) => (whole(1)(t.trim()) === undefined ? 'Enter a whole number ≥ 1' : undefined) });
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
    launcher: answers.launcher,
    concurrency: Number(answers.concurrency),
  };
}

/** One validated config per grid element (losses × batch sizes × seeds), named like the CLI's. */
export function planSweepConfigs(base: RunConfig, choice: Pick<SweepChoice, 'losses' | 'batchSizes' | 'seeds'>, sweepId: string): RunConfig[] {
  const configs: RunConfig[] = [];
  for (const loss of choice.losses) {
    for (const batchSize of choice.batchSizes) {
      for (const seed of choice.seeds) {
        const label = `${loss} b${batchSize} seed ${seed}`;
        try {
          configs.push(resolveConfig({ ...base, loss, batchSize, seed, sweepId, name: `${base.name ? `${base.name}: ` : ''}${label}` }));
        } catch (e) {
          if (e instanceof ConfigError) throw new Error(`${label}: ${e.message}`);
          throw e;
        }
      }
    }
  }
  return configs;
}
