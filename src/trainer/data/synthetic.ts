/**
 * A small deterministic synthetic dataset for tests, demos and smoke runs: no download, instant, and
 * still learnable, so a contrastive run on it shows the loss falling and kNN accuracy rising.
 *
 * Each class k of K is a distinct picture: stripes at angle πk/K with 2, 3 or 4 cycles across the
 * image, plus a bright blob at angle 2πk/K on a circle around the centre, and (in colour) a
 * class-dependent tint. Every sample jitters that picture (shift, stripe phase, contrast) and adds
 * Gaussian pixel noise, so images of a class differ but stay closer to each other than to other classes.
 * Generation is sequential from a seeded PRNG, so the first N images are the same whatever the count.
 */
import type { EncoderKind } from '../../shared/protocol';
import { mulberry32 } from '../random';
import type { Dataset, ImageSet } from './types';

export interface SyntheticOptions {
  numClasses?: number;
  trainCount?: number;
  testCount?: number;
  height?: number;
  width?: number;
  channels?: 1 | 3;
  /** Standard deviation of the pixel noise, in units of full scale (0..1). */
  noise?: number;
  seed?: number;
}

export const SYNTHETIC_DEFAULTS: Required<SyntheticOptions> = {
  numClasses: 10,
  trainCount: 5000,
  testCount: 1000,
  height: 28,
  width: 28,
  channels: 1,
  noise: 0.1,
  seed: 0,
};

/**
 * The synthetic images' shape for an encoder: MNIST's 28×28×1 for the small encoders, CIFAR's 32×32×3 for ResNet-18
 * (the CIFAR-stem network of the paper's tables), so a smoke run exercises the shapes a real run of that model has.
 */
export function syntheticShapeFor(encoder: EncoderKind | undefined): Pick<SyntheticOptions, 'height' | 'width' | 'channels'> {
  return encoder === 'resnet18' ? { height: 32, width: 32, channels: 3 } : {};
}

/** Standard normal draws (Box–Muller), using both values of each pair. */
function gaussianSource(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const a = 2 * Math.PI * rand();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

const NOISE_TABLE_SIZE = 4096;
let cachedNoiseTable: Float32Array | undefined;

/**
 * 4096 fixed standard-normal values; a pixel's noise is one of them picked by the sample's PRNG.
 * One uniform draw and a lookup per byte instead of a log, a sqrt and a sine keeps generation fast
 * (the default set is ~4 M bytes); the table is small enough to stay in the L1 cache and still has far
 * more distinct values than the noise spans grey levels.
 */
function noiseTable(): Float32Array {
  if (!cachedNoiseTable) {
    const g = gaussianSource(mulberry32(0x5eed));
    cachedNoiseTable = Float32Array.from({ length: NOISE_TABLE_SIZE }, g);
  }
  return cachedNoiseTable;
}

/** The fixed parameters of one class's picture. */
interface ClassPattern {
  dirX: number;
  dirY: number;
  /** Radians per pixel along the stripe direction. */
  frequency: number;
  blobX: number;
  blobY: number;
  tint: number[];
}

function classPattern(k: number, o: Required<SyntheticOptions>): ClassPattern {
  const K = o.numClasses;
  const size = Math.min(o.height, o.width);
  const stripeAngle = (Math.PI * k) / K;
  const blobAngle = (2 * Math.PI * k) / K;
  const tint = Array.from({ length: o.channels }, (_, c) =>
    o.channels === 1 ? 1 : 0.55 + 0.45 * Math.cos(2 * Math.PI * (k / K + c / 3)));
  return {
    dirX: Math.cos(stripeAngle),
    dirY: Math.sin(stripeAngle),
    frequency: (2 * Math.PI * (2 + (k % 3))) / size,
    blobX: o.width / 2 + 0.3 * size * Math.cos(blobAngle),
    blobY: o.height / 2 + 0.3 * size * Math.sin(blobAngle),
    tint,
  };
}

/** Per-coordinate factors along one axis: cos and sin of the stripe argument, and the blob's Gaussian. */
function axisTerms(n: number, shift: number, omega: number, blob: number, blobVar2: number, phase: number):
  { cos: Float64Array; sin: Float64Array; gauss: Float64Array } {
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  const gauss = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const s = t - shift;
    cos[t] = Math.cos(omega * s + phase);
    sin[t] = Math.sin(omega * s + phase);
    gauss[t] = Math.exp(-((s - blob) ** 2) / blobVar2);
  }
  return { cos, sin, gauss };
}

/**
 * Draws one jittered, noisy sample of a class into `out` (HWC) at `offset`. Stripes and blob are
 * separable in x and y (cos(a+b) = cos a cos b − sin a sin b, exp(a+b) = exp a exp b), so the
 * trigonometry is done per row and column, not per pixel.
 */
function drawSample(p: ClassPattern, o: Required<SyntheticOptions>, rand: () => number, noise: () => number,
  out: Uint8Array, offset: number): void {
  const size = Math.min(o.height, o.width);
  const shiftX = (rand() - 0.5) * 0.1 * size;
  const shiftY = (rand() - 0.5) * 0.1 * size;
  const phase = (rand() - 0.5) * 1.2;
  const contrast = 0.8 + 0.4 * rand();
  const blobVar2 = 2 * (0.15 * size) ** 2;
  const col = axisTerms(o.width, shiftX, p.frequency * p.dirX, p.blobX, blobVar2, phase);
  const row = axisTerms(o.height, shiftY, p.frequency * p.dirY, p.blobY, blobVar2, 0);
  // Locals, not property reads, in the per-byte loop: it runs millions of times.
  const { height, width, channels, noise: amplitude } = o;
  const tint = p.tint;
  let i = offset;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const stripe = col.cos[x] * row.cos[y] - col.sin[x] * row.sin[y];
      const blob = col.gauss[x] * row.gauss[y];
      const base = contrast * (0.25 + 0.2 * stripe + 0.5 * blob);
      for (let c = 0; c < channels; c++) {
        const v = base * tint[c] + amplitude * noise();
        out[i++] = v <= 0 ? 0 : v >= 1 ? 255 : (255 * v + 0.5) | 0;
      }
    }
  }
}

/** Generates `count` samples with balanced labels: each block of K samples is a shuffled 0..K-1. */
function generateSet(count: number, patterns: ClassPattern[], o: Required<SyntheticOptions>, rand: () => number): ImageSet {
  const imageBytes = o.height * o.width * o.channels;
  const images = new Uint8Array(count * imageBytes);
  const labels = new Int32Array(count);
  const K = o.numClasses;
  const block = Array.from({ length: K }, (_, k) => k);
  const table = noiseTable();
  const noise = (): number => table[(rand() * NOISE_TABLE_SIZE) | 0];
  for (let i = 0; i < count; i++) {
    if (i % K === 0) shuffle(block, rand);
    labels[i] = block[i % K];
    drawSample(patterns[labels[i]], o, rand, noise, images, i * imageBytes);
  }
  return { images, labels, count };
}

function shuffle(a: number[], rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}

/** Builds the dataset; the same options (seed included) always give the same bytes. */
export function makeSyntheticDataset(opts: SyntheticOptions = {}): Dataset {
  const o: Required<SyntheticOptions> = { ...SYNTHETIC_DEFAULTS, ...stripUndefined(opts) };
  if (!Number.isInteger(o.numClasses) || o.numClasses < 2) throw new Error(`synthetic dataset: numClasses must be an integer ≥ 2, got ${o.numClasses}`);
  if (o.height < 4 || o.width < 4) throw new Error(`synthetic dataset: images must be at least 4×4, got ${o.height}×${o.width}`);
  const patterns = Array.from({ length: o.numClasses }, (_, k) => classPattern(k, o));
  // Separate streams for train and test so each split's prefix does not depend on the other's size.
  const train = generateSet(o.trainCount, patterns, o, mulberry32(o.seed * 2 + 1));
  const test = generateSet(o.testCount, patterns, o, mulberry32(o.seed * 2 + 2));
  return {
    name: 'synthetic',
    height: o.height,
    width: o.width,
    channels: o.channels,
    numClasses: o.numClasses,
    train,
    test,
  };
}

/** Drops keys set to undefined so they do not override the defaults in a spread. */
function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
