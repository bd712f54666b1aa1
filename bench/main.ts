/**
 * `npm run bench`: prints the project's speed and memory figures. Targets live here, never in tests.
 *   --quick   fewer steps and smaller sizes (a smoke run of every benchmark)
 *   --all     also the cnn on the pure-JS cpu backend (minutes per step)
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { initBackend } from '../src/trainer/backend';
import { benchKnn, benchLossGradient } from './lossAndKnn';
import { benchFastWasm } from './fastWasm';
import { benchProjection } from './projection';
import { benchCharts } from './charts';
import { ACTIVATION_PROBE_FLAG, benchActivation, probeActivation } from './activation';

const quick = process.argv.includes('--quick');
const cli = path.join(__dirname, 'cli.js');

function table(title: string, head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  console.log(`\n${title}`);
  for (const [i, r] of cells.entries()) {
    console.log(r.map((x, c) => x.padEnd(widths[c])).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

interface TrainingRow {
  imagesPerSecond: number;
  viewsPerSecond: number;
  backend: string;
  threads: number;
  native: string | null;
  encoder: string;
  batchSize: number;
  msPerStep: number;
  augmentMsPerStep: number;
  peakRssMiB: number;
}

/**
 * Each backend × encoder runs in its own process so backends never share state. wasm runs three ways: as
 * the trainer runs it (native GEMM/conv kernels when a C compiler is there), wasm kernels alone with their
 * default pool (every core), and wasm alone single-threaded, which shows what each layer brings here.
 */
function trainingThroughput(): void {
  const rows: (string | number)[][] = [];
  const targets: Record<string, number> = { mlp: 2500, cnn: 1300 };
  const variants: { backend: string; env?: Record<string, string>; label?: string }[] = [
    { backend: 'tensorflow-gpu' },
    { backend: 'tensorflow' },
    { backend: 'native' },
    { backend: 'wasm' },
    { backend: 'wasm', env: { DCL_NATIVE: '0' }, label: 'wasm, no native kernels' },
    { backend: 'wasm', env: { DCL_NATIVE: '0', DCL_WASM_THREADS: '1' }, label: 'wasm, no native, 1 thread' },
    { backend: 'cpu' },
  ];
  for (const { backend, env, label } of variants) {
    for (const encoder of ['mlp', 'cnn']) {
      const name = label ?? backend;
      const slow = backend === 'cpu';
      if (slow && encoder === 'cnn' && !process.argv.includes('--all')) {
        // The pure-JS cpu backend's convolution takes minutes per batch-256 step; opt in with --all.
        rows.push([name, encoder, '—', '—', '—', '—', '—', 'skipped: minutes per step on the pure-JS backend (--all runs it)']);
        continue;
      }
      const steps = quick || slow ? 2 : 10;
      const args = [cli, 'bench', '--json', '--backend', backend, '--encoder', encoder, '--batch-size', '256', '--steps', String(steps), '--warmup', slow ? '1' : '2'];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
      if (r.status !== 0) {
        rows.push([name, encoder, '—', '—', '—', '—', '—', (r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 90)]);
        continue;
      }
      const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TrainingRow;
      const target = (backend === 'native' || backend === 'wasm') && !env ? ` (target ≥ ${targets[encoder]})` : '';
      rows.push([
        name,
        encoder,
        res.imagesPerSecond.toFixed(0) + target,
        res.viewsPerSecond.toFixed(0),
        res.msPerStep.toFixed(0),
        res.augmentMsPerStep.toFixed(0),
        res.peakRssMiB.toFixed(0),
        `${res.threads} thread(s)${res.native ? `, native ${res.native}` : ''}`,
      ]);
    }
  }
  table(
    'Training throughput, batch 256 (512 views per step), MNIST-shaped input, real trainer step (augment ×2, encoder, head, DCL, backward, Adam)',
    ['backend', 'encoder', 'images/s', 'views/s', 'ms/step', 'of which augment ms', 'peak RSS MiB', 'notes'],
    rows,
  );
}

interface PaperRow extends TrainingRow {
  estimatedPeakMiB: number;
  memory: string;
}

/**
 * The paper's workload: ResNet-18 (CIFAR stem) at CIFAR's 32×32×3 for batches 32, 256 and 1024, and at STL-10's
 * 96×96×3 for batch 64, on the backend `auto` picks without a GPU (native kernels). Each in its own process, one
 * timed step after one warm-up (a batch-1024 step takes over a minute on 2 cores). Peak RSS is the kernel's
 * high-water mark of that process, beside the estimate the trainer makes before its first step.
 */
function paperWorkload(): void {
  const cases: [string, number][] = quick ? [['32,32,3', 32]] : [['32,32,3', 32], ['32,32,3', 256], ['32,32,3', 1024], ['96,96,3', 64]];
  const rows: (string | number)[][] = [];
  for (const [shape, batch] of cases) {
    const args = [cli, 'bench', '--json', '--encoder', 'resnet18', '--shape', shape, '--batch-size', String(batch), '--steps', '1', '--warmup', '1', '--backend', 'auto'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      rows.push([shape.replace(/,/g, '×'), batch, '—', '—', '—', '—', '—', (r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 90)]);
      continue;
    }
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as PaperRow;
    const target = shape === '32,32,3' && batch === 256 ? ' (target ≥ 30)' : '';
    rows.push([
      shape.replace(/,/g, '×'),
      batch,
      res.imagesPerSecond.toFixed(1) + target,
      res.msPerStep.toFixed(0),
      res.peakRssMiB.toFixed(0),
      res.estimatedPeakMiB.toFixed(0),
      res.memory,
      `${res.backend}, ${res.threads} thread(s)${res.native ? `, ${res.native}` : ''}`,
    ]);
  }
  table(
    'The paper\'s workload: ResNet-18 (CIFAR stem), real trainer step, backend auto',
    ['input', 'batch', 'images/s', 'ms/step', 'peak RSS MiB', 'estimate MiB', 'step', 'backend'],
    rows,
  );
}

async function main(): Promise<void> {
  console.log(`DCL Explorer benchmarks${quick ? ' (quick)' : ''} — node ${process.version}, ${process.platform}/${process.arch}`);
  const activation = benchActivation(__filename, path.join(__dirname, 'extension.js'));
  table('Extension activation (fresh process, fake vscode module)', ['figure', 'value'], Object.entries(activation).map(([k, v]) => [k, v.toFixed(1)]));
  trainingThroughput();
  paperWorkload();

  const backend = await initBackend('auto');
  const sizes = quick ? [256, 512] : [256, 512, 1024, 2048, 4096];
  const loss = await benchLossGradient(sizes);
  table(`DCL loss + gradient, d = 128, on ${backend.name}`, ['N', 'ms'], loss.map((r) => [r.n, r.ms.toFixed(1)]));

  const [bank, queries] = quick ? [6000, 1000] : [60000, 10000];
  const knn = await benchKnn(bank, queries);
  table(`Weighted kNN (k = 200), ${bank} bank × ${queries} queries × 128, on ${backend.name}`, ['seconds', 'peak tf MiB'], [[knn.seconds.toFixed(2), knn.peakTfMiB.toFixed(0)]]);

  if (backend.name === 'wasm') {
    const fw = await benchFastWasm();
    table('fast-wasm kernels vs stock wasm (median ms)', ['kernel', 'stock', 'fast'], fw.map((r) => [r.name, Number.isNaN(r.stockMs) ? 'no kernel' : r.stockMs.toFixed(1), r.fastMs.toFixed(1)]));
  }
  const proj = await benchProjection({ quick });
  table('Embedding projections', ['figure', 'value'], Object.entries(proj).map(([k, v]) => [k, typeof v === 'number' ? v.toFixed(2) : String(v)]));
  const charts = await benchCharts();
  table('Charts panel data path (100 000-step runs)', ['figure', 'value'], Object.entries(charts).map(([k, v]) => [k, typeof v === 'number' ? v.toFixed(2) : String(v)]));
  console.log(`\npeak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

if (process.argv[2] === ACTIVATION_PROBE_FLAG) {
  probeActivation(process.argv[3]);
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
