/**
 * The `dclExplorer.*` settings: their defaults, how raw values are checked, and how they turn into run
 * defaults. The VS Code adapter passes a getter; a bad value falls back to the default and is reported
 * (the user sees which setting to fix), instead of reaching the trainer.
 */
import { BACKEND_PREFERENCES, ENCODER_KINDS, LOSS_KINDS, type BackendPreference, type EncoderKind, type LossKind, type RunConfig } from '../../shared/protocol';
import { DEFAULT_RUN_CONFIG } from '../../shared/runConfig';
import { checkCpus, checkExtraArgs, checkGpus, checkMemory, checkModules, checkPartition, checkSetupScript, checkTime, DEFAULT_SLURM_OPTIONS } from '../../launchers/slurm/options';
import { anyString, checkBatchSize, checkEpochs, checkKnnK, checkKnnT, checkRunsDir, checkSigma, checkTemperature, integerIn, isBoolean, numberIn, oneOf, type Check } from './validators';

export interface HostSettings {
  loss: LossKind;
  temperature: number;
  sigma: number;
  batchSize: number;
  epochs: number;
  encoder: EncoderKind;
  backend: BackendPreference;
  /** Where run folders go; relative paths are relative to the first workspace folder. */
  runsDirectory: string;
  maxConcurrentRuns: number;
  knnK: number;
  knnT: number;
  /** Node.js executable for the trainer; empty means the editor's own runtime. */
  nodePath: string;
  stopTimeoutSeconds: number;
  /** Threads of the wasm backend in local runs; 0 = every core, shared out between concurrent runs. */
  wasmThreads: number;
  openChartsOnStart: boolean;
  /** Defaults of Slurm sweeps (`dclExplorer.slurm.*`); checked with the launcher's own rules. */
  slurmPartition: string;
  slurmTime: string;
  slurmCpusPerTask: number;
  slurmMemory: string;
  slurmGpus: number;
  slurmExtraArgs: string[];
  slurmSetupScript: string;
  slurmModuleLoads: string[];
}

/** Setting values when the user set nothing; package.json's `contributes.configuration` mirrors them. */
export const DEFAULT_HOST_SETTINGS: HostSettings = {
  loss: DEFAULT_RUN_CONFIG.loss,
  temperature: DEFAULT_RUN_CONFIG.temperature,
  sigma: DEFAULT_RUN_CONFIG.sigma,
  batchSize: DEFAULT_RUN_CONFIG.batchSize,
  epochs: DEFAULT_RUN_CONFIG.epochs,
  encoder: DEFAULT_RUN_CONFIG.encoder,
  backend: DEFAULT_RUN_CONFIG.backend,
  runsDirectory: DEFAULT_RUN_CONFIG.runsDir,
  maxConcurrentRuns: 1,
  knnK: DEFAULT_RUN_CONFIG.knn.k,
  knnT: DEFAULT_RUN_CONFIG.knn.t,
  nodePath: '',
  stopTimeoutSeconds: 30,
  wasmThreads: 0,
  openChartsOnStart: true,
  slurmPartition: DEFAULT_SLURM_OPTIONS.partition,
  slurmTime: DEFAULT_SLURM_OPTIONS.time,
  slurmCpusPerTask: DEFAULT_SLURM_OPTIONS.cpusPerTask,
  slurmMemory: DEFAULT_SLURM_OPTIONS.memory,
  slurmGpus: DEFAULT_SLURM_OPTIONS.gpus,
  slurmExtraArgs: [...DEFAULT_SLURM_OPTIONS.extraArgs],
  slurmSetupScript: DEFAULT_SLURM_OPTIONS.setupScript,
  slurmModuleLoads: [...DEFAULT_SLURM_OPTIONS.moduleLoads],
};

/** The launcher's checks say "partition must be…"; the settings message already names the setting. */
const withoutField = (check: Check): Check => (v) => check(v)?.replace(/^\w+ (entries )?must/, (_m, entries) => (entries ? 'entries must' : 'must'));

/** Setting key (after `dclExplorer.`) of each field, with its check. */
export const SETTING_KEYS: { [K in keyof HostSettings]: { key: string; check: Check } } = {
  loss: { key: 'loss', check: oneOf(LOSS_KINDS) },
  temperature: { key: 'temperature', check: checkTemperature },
  sigma: { key: 'sigma', check: checkSigma },
  batchSize: { key: 'batchSize', check: checkBatchSize },
  epochs: { key: 'epochs', check: checkEpochs },
  encoder: { key: 'encoder', check: oneOf(ENCODER_KINDS) },
  backend: { key: 'backend', check: oneOf(BACKEND_PREFERENCES) },
  runsDirectory: { key: 'runsDirectory', check: checkRunsDir },
  maxConcurrentRuns: { key: 'maxConcurrentRuns', check: integerIn(1, 64) },
  knnK: { key: 'knn.k', check: checkKnnK },
  knnT: { key: 'knn.t', check: checkKnnT },
  nodePath: { key: 'nodePath', check: anyString },
  stopTimeoutSeconds: { key: 'stopTimeoutSeconds', check: numberIn(1, 3600) },
  wasmThreads: { key: 'wasmThreads', check: integerIn(0, 256) },
  openChartsOnStart: { key: 'openChartsOnStart', check: isBoolean },
  slurmPartition: { key: 'slurm.partition', check: withoutField(checkPartition) },
  slurmTime: { key: 'slurm.time', check: withoutField(checkTime) },
  slurmCpusPerTask: { key: 'slurm.cpusPerTask', check: withoutField(checkCpus) },
  slurmMemory: { key: 'slurm.memory', check: withoutField(checkMemory) },
  slurmGpus: { key: 'slurm.gpus', check: withoutField(checkGpus) },
  slurmExtraArgs: { key: 'slurm.extraArgs', check: withoutField(checkExtraArgs) },
  slurmSetupScript: { key: 'slurm.setupScript', check: withoutField(checkSetupScript) },
  slurmModuleLoads: { key: 'slurm.moduleLoads', check: withoutField(checkModules) },
};

export interface SettingsReadout {
  settings: HostSettings;
  /** One line per bad setting: which one, what is wrong, and that the default is used instead. */
  problems: string[];
}

/** Reads every setting through `get(key)` (undefined = not set); bad values fall back to the default. */
export function readHostSettings(get: (key: string) => unknown): SettingsReadout {
  const settings = { ...DEFAULT_HOST_SETTINGS } as Record<keyof HostSettings, unknown>;
  const problems: string[] = [];
  for (const [field, { key, check }] of Object.entries(SETTING_KEYS) as [keyof HostSettings, { key: string; check: Check }][]) {
    const value = get(key);
    if (value === undefined || value === null) continue;
    const problem = check(value);
    if (problem) {
      problems.push(`Setting "dclExplorer.${key}" ${problem}; using the default ${JSON.stringify(DEFAULT_HOST_SETTINGS[field])} until you fix it.`);
    } else {
      settings[field] = value;
    }
  }
  return { settings: settings as unknown as HostSettings, problems };
}

/** The run defaults after the settings: what a new run gets for every field nobody chose explicitly. */
export function runDefaultsFromSettings(s: HostSettings): RunConfig {
  return {
    ...DEFAULT_RUN_CONFIG,
    loss: s.loss,
    temperature: s.temperature,
    sigma: s.sigma,
    batchSize: s.batchSize,
    epochs: s.epochs,
    encoder: s.encoder,
    backend: s.backend,
    runsDir: s.runsDirectory,
    optimizer: { ...DEFAULT_RUN_CONFIG.optimizer },
    knn: { ...DEFAULT_RUN_CONFIG.knn, k: s.knnK, t: s.knnT },
    projection: [...DEFAULT_RUN_CONFIG.projection],
  };
}

/**
 * The environment of a local trainer: the editor's own, plus DCL_WASM_THREADS when the wasm backend should use
 * fewer threads than every core: the user's cap, or else the cores shared out between the runs that may train
 * at once (several pools spinning on the same cores slow every run down, more than the threads win).
 */
export function trainerEnvironment(
  settings: Pick<HostSettings, 'wasmThreads' | 'maxConcurrentRuns'>,
  base: NodeJS.ProcessEnv,
  cores: number,
): NodeJS.ProcessEnv {
  if (settings.wasmThreads > 0) return { ...base, DCL_WASM_THREADS: String(settings.wasmThreads) };
  if (settings.maxConcurrentRuns > 1 && base.DCL_WASM_THREADS === undefined) {
    return { ...base, DCL_WASM_THREADS: String(Math.max(1, Math.floor(cores / settings.maxConcurrentRuns))) };
  }
  return base;
}
