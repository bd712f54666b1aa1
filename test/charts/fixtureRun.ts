/**
 * Deterministic synthetic runs shaped like the trainer's output: loss decaying with noise, warm-up plus
 * cosine learning rate, NPC multipliers whose distribution drifts down (further for small batches, as in
 * Yeh et al.), and kNN accuracy from the pre-training evaluation on. test/fixtures/charts-run/ is
 * generated from CHARTS_FIXTURE; fixture.test.ts checks it still matches (UPDATE_CHARTS_FIXTURE=1 rewrites it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type LossKind, type RunConfig, type RunEvent, type RunStatus } from '../../src/shared/protocol';
import { serializeEvent } from '../../src/shared/eventLog';
import { summarizeNpc } from '../../src/shared/stats';
import { mulberry32 as rng } from '../../src/trainer/random';

export interface FixtureRunOptions {
  name: string;
  loss: LossKind;
  batchSize: number;
  temperature: number;
  epochs: number;
  stepsPerEpoch: number;
  /** An `npc` summary every N steps. */
  npcEvery: number;
  seed: number;
  startTime: string;
  /** 'running' leaves the run unfinished after `stopAfterEpochs` epochs. */
  state: 'finished' | 'running';
  stopAfterEpochs?: number;
}

export const CHARTS_FIXTURE: FixtureRunOptions = {
  name: 'dcl-b256-fixture',
  loss: 'dcl',
  batchSize: 256,
  temperature: 0.1,
  epochs: 8,
  stepsPerEpoch: 50,
  npcEvery: 10,
  seed: 7,
  startTime: '2026-01-15T10:00:00.000Z',
  state: 'finished',
};

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Six significant digits: keeps the committed fixture stable against last-bit differences in Math.* across Node versions. */
const r6 = (v: number) => Number(v.toPrecision(6));

export function fixtureConfig(o: FixtureRunOptions): RunConfig {
  return {
    name: o.name,
    loss: o.loss,
    temperature: o.temperature,
    sigma: 0.5,
    dataset: 'mnist',
    useUnlabeled: false,
    imageSize: 32,
    subset: 0,
    testSubset: 0,
    encoder: 'cnn',
    projection: [256, 128],
    batchSize: o.batchSize,
    epochs: o.epochs,
    optimizer: { kind: 'adam', lr: 0.001, momentum: 0.9, weightDecay: 1e-6, warmupEpochs: 1, schedule: 'cosine' },
    seed: o.seed,
    backend: 'auto',
    knn: { k: 200, t: 0.1, everyEpochs: 1, everySteps: 0 },
    eval: { linear: false },
    embeddings: { layers: ['encoder'], maxPoints: 10000, keepLast: 3 },
    logEvery: 1,
    runsDir: '.dcl/runs',
  };
}

export function fixtureEvents(o: FixtureRunOptions): RunEvent[] {
  const rand = rng(o.seed);
  const config = fixtureConfig(o);
  const totalSteps = o.epochs * o.stepsPerEpoch;
  const lastEpoch = o.state === 'running' ? (o.stopAfterEpochs ?? Math.floor(o.epochs / 2)) : o.epochs;
  const lastStep = lastEpoch * o.stepsPerEpoch;
  const t0 = Date.parse(o.startTime);
  let clock = t0 + 4000; // data loading and the first kNN evaluation
  const at = (ms: number) => new Date(Math.round(ms)).toISOString();
  const events: RunEvent[] = [];
  const backend = { name: 'tensorflow', tfjsVersion: '4.22.0', details: ['fixture'] };
  events.push({ type: 'started', step: 0, epoch: 0, time: at(t0), schemaVersion: EVENT_SCHEMA_VERSION, config, backend, totalSteps, trainSize: o.stepsPerEpoch * o.batchSize, testSize: 10000 });

  // Small batches: fewer negatives, so easy positives push q further below 1 (the paper's Fig. 2).
  // DCL's positives align a little faster, so the (diagnostic) multiplier drifts a little lower.
  const qFloor = 1 - 0.75 * (64 / (o.batchSize + 64)) - (o.loss === 'infonce' ? 0 : 0.04);
  const progressOf = (step: number) => step / totalSteps;
  const meanQ = (step: number) => qFloor + (0.985 - qFloor) * Math.exp(-progressOf(step) * 5);
  const knnAccuracy = (epoch: number) => {
    const ceiling = (o.loss === 'infonce' ? 0.86 : 0.9) - 12 / o.batchSize;
    // A slight decline late in training, so the best evaluation is not simply the last one.
    const decline = 0.012 * Math.max(0, epoch - 6);
    return r6(Math.min(0.99, 0.11 + (ceiling - 0.11) * (1 - Math.exp(-epoch / 2)) - decline + 0.004 * gaussian(rand)));
  };
  events.push({ type: 'knn', step: 0, epoch: 0, time: at(clock), accuracy: knnAccuracy(0), k: 200, t: 0.1 });

  const startLoss = Math.log(2 * o.batchSize - 1);
  for (let step = 1; step <= lastStep; step++) {
    const epoch = Math.floor((step - 1) / o.stepsPerEpoch);
    const ips = 2400 + 150 * gaussian(rand) - (step === 1 ? 1500 : 0);
    clock += (o.batchSize / ips) * 1000;
    const p = progressOf(step);
    const infonce = startLoss - (startLoss - 1.9) * (1 - Math.exp(-p * 6)) + 0.12 * gaussian(rand);
    // L_DCL = L_InfoNCE + log q: the positive leaves the denominator.
    const loss = o.loss === 'infonce' ? infonce : infonce + Math.log(meanQ(step));
    const warm = o.stepsPerEpoch;
    const lr = step <= warm ? (0.001 * step) / warm : 0.0005 * (1 + Math.cos((Math.PI * (step - warm)) / (totalSteps - warm)));
    events.push({ type: 'step', step, epoch, time: at(clock), loss: r6(loss), lr: r6(lr), imagesPerSecond: r6(ips) });
    if (step % o.npcEvery === 0 || step === 1) {
      const m = meanQ(step);
      const logitMean = Math.log(m / (1 - m));
      const q = Array.from({ length: Math.min(2 * o.batchSize, 512) }, () => r6(1 / (1 + Math.exp(-(logitMean + 0.9 * gaussian(rand))))));
      const s = summarizeNpc(q);
      events.push({
        type: 'npc',
        step,
        epoch,
        time: at(clock),
        summary: { ...s, mean: r6(s.mean), std: r6(s.std), cv: r6(s.cv), percentiles: s.percentiles.map(r6) },
      });
    }
    if (step % o.stepsPerEpoch === 0) {
      const done = step / o.stepsPerEpoch;
      events.push({ type: 'epoch', step, epoch: done, time: at(clock), meanLoss: r6(loss), seconds: r6((o.stepsPerEpoch * o.batchSize) / 2400) });
      clock += 1500; // the kNN evaluation pass
      events.push({ type: 'knn', step, epoch: done, time: at(clock), accuracy: knnAccuracy(done), k: 200, t: 0.1 });
      events.push({ type: 'checkpoint', step, epoch: done, time: at(clock), path: `checkpoints/epoch-${done}` });
    }
  }
  if (o.state === 'finished') {
    const lastKnn = [...events].reverse().find((e) => e.type === 'knn');
    const lastLoss = [...events].reverse().find((e) => e.type === 'step');
    events.push({
      type: 'finished',
      step: lastStep,
      epoch: o.epochs,
      time: at(clock + 200),
      loss: lastLoss?.type === 'step' ? lastLoss.loss : NaN,
      knnAccuracy: lastKnn?.type === 'knn' ? lastKnn.accuracy : NaN,
    });
  }
  return events;
}

export function fixtureStatus(o: FixtureRunOptions, events: readonly RunEvent[]): RunStatus {
  const last = events[events.length - 1];
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    state: o.state,
    createdAt: o.startTime,
    startedAt: o.startTime,
    endedAt: o.state === 'finished' ? last.time : undefined,
    backend: { name: 'tensorflow', tfjsVersion: '4.22.0', details: ['fixture'] },
    step: last.step,
    epoch: last.epoch,
    totalSteps: o.epochs * o.stepsPerEpoch,
  };
}

export interface FixtureFiles {
  config: string;
  status: string;
  metrics: string;
}

export function fixtureFiles(o: FixtureRunOptions): FixtureFiles {
  const events = fixtureEvents(o);
  return {
    config: JSON.stringify(fixtureConfig(o), null, 2) + '\n',
    status: JSON.stringify(fixtureStatus(o, events), null, 2) + '\n',
    metrics: events.map(serializeEvent).join(''),
  };
}

export function writeFixtureRun(dir: string, o: FixtureRunOptions): void {
  const files = fixtureFiles(o);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, RUN_FILES.config), files.config);
  fs.writeFileSync(path.join(dir, RUN_FILES.status), files.status);
  fs.writeFileSync(path.join(dir, RUN_FILES.metrics), files.metrics);
}
