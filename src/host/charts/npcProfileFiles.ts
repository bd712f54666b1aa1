/**
 * The NPC-vs-batch-size profiles cached in `<run>/npc-profile/` (written by `dcl-explorer npc-profile`):
 * finding and validating them, and running the CLI to make a new one. No vscode here, so the tests drive
 * it directly. The files are untrusted input (older versions, half-copied folders, hand edits): a file that
 * does not hold a well-formed profile is skipped with a reason instead of reaching the charts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NpcProfileEntry } from '../../shared/chartsMessages';
import { NPC_PROFILE_DIR, NPC_PROFILE_SCHEMA_VERSION, type NpcProfile } from '../../shared/npcProfile';
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES, type NpcSummary } from '../../shared/protocol';
import { startCliJob, type CliJob } from '../projection/cliJob';

/** Profiles larger than this are not profiles (a 6-row profile is ~8 KB). */
const MAX_PROFILE_BYTES = 2 * 1024 * 1024;

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isCount = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

function summaryProblem(s: unknown): string | null {
  if (typeof s !== 'object' || s === null) return 'summary is not an object';
  const v = s as Partial<Record<keyof NpcSummary, unknown>>;
  if (!isCount(v.count) || v.count === 0) return 'summary.count is not a positive whole number';
  for (const k of ['mean', 'std', 'cv'] as const) if (!isNum(v[k])) return `summary.${k} is not a number`;
  if (!Array.isArray(v.percentiles) || v.percentiles.length !== NPC_PERCENTILES.length || !v.percentiles.every(isNum)) {
    return `summary.percentiles is not ${NPC_PERCENTILES.length} numbers`;
  }
  if (!Array.isArray(v.histogram) || v.histogram.length !== NPC_HISTOGRAM_BINS || !v.histogram.every(isCount)) {
    return `summary.histogram is not ${NPC_HISTOGRAM_BINS} counts`;
  }
  return null;
}

/** Why `x` is not a usable NpcProfile, or null when it is one. */
export function npcProfileProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'not a JSON object';
  const p = x as Partial<Record<keyof NpcProfile, unknown>>;
  if (p.schemaVersion !== NPC_PROFILE_SCHEMA_VERSION) return `unsupported schemaVersion ${JSON.stringify(p.schemaVersion)}`;
  const m = p.model as Partial<NpcProfile['model']> | undefined;
  if (typeof m !== 'object' || m === null || (m.kind !== 'checkpoint' && m.kind !== 'initial') || !isCount(m.step) || !isNum(m.epoch)) {
    return 'model is not {kind: "checkpoint" | "initial", step, epoch}';
  }
  if (!isNum(p.temperature) || !isCount(p.batches) || !isNum(p.seed)) return 'temperature, batches or seed missing';
  if (typeof p.createdAt !== 'string') return 'createdAt missing';
  if (!Array.isArray(p.rows)) return 'rows is not a list';
  const sizes = new Set<number>();
  for (const [i, row] of p.rows.entries()) {
    const r = row as { batchSize?: unknown; summary?: unknown } | null;
    if (typeof r !== 'object' || r === null || !Number.isInteger(r.batchSize) || (r.batchSize as number) < 2) return `rows[${i}].batchSize is not a batch size`;
    if (sizes.has(r.batchSize as number)) return `batch size ${r.batchSize as number} appears twice`;
    sizes.add(r.batchSize as number);
    const problem = summaryProblem(r.summary);
    if (problem) return `rows[${i}]: ${problem}`;
  }
  if (!Array.isArray(p.skipped) || !p.skipped.every((s: unknown) => typeof s === 'object' && s !== null && Number.isInteger((s as { batchSize?: unknown }).batchSize) && typeof (s as { reason?: unknown }).reason === 'string')) {
    return 'skipped is not a list of {batchSize, reason}';
  }
  return null;
}

/** Newest model first (checkpoints by step, the initial model last), then newest file. */
export function compareProfileEntries(a: NpcProfileEntry, b: NpcProfileEntry): number {
  const rank = (e: NpcProfileEntry) => (e.profile.model.kind === 'initial' ? -1 : e.profile.model.step);
  return rank(b) - rank(a) || b.profile.createdAt.localeCompare(a.profile.createdAt) || a.file.localeCompare(b.file);
}

export interface CachedProfiles {
  profiles: NpcProfileEntry[];
  /** One line per skipped file: "name: why". */
  problems: string[];
}

export async function readProfileFile(file: string): Promise<NpcProfileEntry> {
  const stat = await fs.promises.stat(file);
  if (stat.size > MAX_PROFILE_BYTES) throw new Error(`${stat.size} bytes, too large for a profile`);
  let json: unknown;
  try {
    json = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  const problem = npcProfileProblem(json);
  if (problem) throw new Error(problem);
  const profile = json as NpcProfile;
  // Rows in batch-size order whatever the file says: the charts and the Cv line rely on it.
  return { file: path.basename(file), profile: { ...profile, rows: [...profile.rows].sort((a, b) => a.batchSize - b.batchSize) } };
}

/** Every `*.json` in `<run>/npc-profile/`; a missing folder is no profiles and no problem. */
export async function readCachedProfiles(runDir: string): Promise<CachedProfiles> {
  const dir = path.join(runDir, NPC_PROFILE_DIR);
  let names: string[];
  try {
    names = (await fs.promises.readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && d.name.endsWith('.json')).map((d) => d.name);
  } catch {
    return { profiles: [], problems: [] };
  }
  const profiles: NpcProfileEntry[] = [];
  const problems: string[] = [];
  await Promise.all(
    names.sort().map(async (name) => {
      try {
        profiles.push(await readProfileFile(path.join(dir, name)));
      } catch (e) {
        problems.push(`${name}: ${(e as Error).message}`);
      }
    }),
  );
  return { profiles: profiles.sort(compareProfileEntries), problems: problems.sort() };
}

export function npcProfileCliArgs(runDir: string, initial: boolean): string[] {
  return ['npc-profile', '--run-dir', runDir, '--progress', ...(initial ? ['--initial'] : [])];
}

export interface NpcProfileJob {
  /** The new (or already cached) profile, read back and validated. Rejects with CancelledError when cancelled. */
  done: Promise<NpcProfileEntry>;
  cancel(): void;
}

/** Runs `dcl-explorer npc-profile` in a child process (the computation never touches the caller's event loop). */
export function startNpcProfileJob(opts: {
  nodePath: string;
  cliPath: string;
  runDir: string;
  initial: boolean;
  onProgress?: (fraction: number, stage: string) => void;
  /** Extra CLI flags (the tests use small batch sizes). */
  extraArgs?: string[];
}): NpcProfileJob {
  const job: CliJob = startCliJob({
    nodePath: opts.nodePath,
    cliPath: opts.cliPath,
    args: [...npcProfileCliArgs(opts.runDir, opts.initial), ...(opts.extraArgs ?? [])],
    onProgress: opts.onProgress,
  });
  const done = job.done.then(async (lines) => {
    const file = lines[lines.length - 1];
    if (!file) throw new Error('dcl-explorer npc-profile printed no result path');
    try {
      return await readProfileFile(path.resolve(opts.runDir, file));
    } catch (e) {
      throw new Error(`${path.basename(file)}: ${(e as Error).message}`);
    }
  });
  return { done, cancel: () => job.cancel() };
}
