/**
 * Loads the native kernels (compiling them on first use) for the wasm backend's fast kernels.
 *
 * Optional by design: without a C compiler, on Windows, or with DCL_NATIVE=0 the trainer keeps the
 * wasm kernels, and the report says why, so a run records which path computed it.
 */
import { createRequire } from 'node:module';
import { compileNative, type CompileOptions } from './compileNative';

/** The addon's functions (see fast_kernels.c for their contracts). */
export interface NativeKernels {
  /** c[e] (+)= op(a[e])·op(b[e]) for e < batch; strides in elements, 0 broadcasts an operand. */
  gemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    n: number,
    k: number,
    transposeA: number,
    transposeB: number,
    accumulate: number,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
  ): void;
  /** mode 0: y = conv(x, w); 1: dw from (x, dy); 2: dx from (dy, w). dims: see ConvDims in the C source. */
  conv(mode: number, a: Float32Array, b: Float32Array, out: Float32Array, dims: Float64Array): void;
  /** One in-place Adam step; params: lr, beta1, beta2, epsilon, 1 − beta1^t, 1 − beta2^t, decay factor. */
  adam(x: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, params: Float64Array): void;
  /** out[o·inner + i] = scale · Σ_m src[(o·middle + m)·inner + i], accumulated in float64. */
  middleSums(src: Float32Array, outer: number, middle: number, inner: number, scale: number, out: Float32Array): void;
  /** out[(o·middle + m)·inner + i] = src[o·inner + i] / divisor. */
  spreadMiddle(src: Float32Array, outer: number, middle: number, inner: number, divisor: number, out: Float32Array): void;
  /**
   * out[r·inner + j] = a op b for op 0 add, 1 sub, 2 mul, 3 div, over `rows` rows of `inner` values; each operand is
   * read as 0: one row of `inner` values for every row, 1: a whole [rows, inner] tensor, 2: one value per row
   * (not both operands). Its length must be exactly what its read needs.
   */
  binary(op: number, a: Float32Array, readA: number, b: Float32Array, readB: number, out: Float32Array, rows: number, inner: number): void;
  /** y = offset + (x − mean)·scale/√(variance + ε) per channel of the last axis; an empty offset/scale means 0/1. */
  batchNormInference(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array, scale: Float32Array, epsilon: number, y: Float32Array): void;
  /** The k largest of each row of x ([x.length / cols, cols]), value descending and the lower index first among ties. */
  topK(x: Float32Array, cols: number, k: number, values: Float32Array, indices: Int32Array): void;
  /** y = min(max(x, lo), hi), NaN passed through. */
  clip(x: Float32Array, lo: number, hi: number, y: Float32Array): void;
  /** y = e^x. */
  exp(x: Float32Array, y: Float32Array): void;
  /** Training-mode batch norm over the last axis (channels = gamma.length): y, and the batch mean and biased variance. */
  batchNormForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    epsilon: number,
  ): void;
  /** batchNormForward's gradient from the saved x, mean and variance. */
  batchNormBackward(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    epsilon: number,
  ): void;
  /** y = max(x, 0), NaN passed through. */
  relu(x: Float32Array, y: Float32Array): void;
  /** dx = dy · step(x), tfjs's Relu gradient. */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** Image i's `size` values of `out` exactly as random.ts's gaussianNoise(size, std, seeds[i]), in parallel. */
  imageNoise(out: Float32Array, size: number, std: number, seeds: Float64Array): void;
  /** tf.image.cropAndResize's kernel: bilinear 1 / nearest 0. */
  cropAndResize(
    image: Float32Array,
    boxes: Float32Array,
    boxInd: Int32Array,
    out: Float32Array,
    batch: number,
    h: number,
    w: number,
    c: number,
    cropH: number,
    cropW: number,
    bilinear: number,
    extrapolation: number,
  ): void;
  /** tf.image.transform's kernel: bilinear 1 / nearest 0; fillNearest 1 ('nearest') / 0 ('constant'). */
  transform(
    image: Float32Array,
    transforms: Float32Array,
    out: Float32Array,
    batch: number,
    h: number,
    w: number,
    c: number,
    outH: number,
    outW: number,
    bilinear: number,
    fillNearest: number,
    fillValue: number,
  ): void;
  setThreads(n: number): number;
  /** The instruction set the build targets (avx512, avx2-fma, neon, generic). */
  describe(): string;
}

export interface NativeReport {
  loaded: boolean;
  /** Why the native kernels are not in use. */
  reason?: string;
  isa?: string;
  threads?: number;
  compiler?: string;
  /** Milliseconds spent compiling in this process (0 when a cached build was reused). */
  compileMs?: number;
  file?: string;
}

export interface LoadOptions extends CompileOptions {
  threads: number;
}

const dynamicRequire: NodeRequire = createRequire(__filename);
let loaded: { kernels: NativeKernels; report: NativeReport } | undefined;

/** The kernels this process has already loaded, if any; never compiles or loads anything itself. */
export function loadedNativeKernels(): NativeKernels | undefined {
  return loaded?.kernels;
}

/** Loads (once per process) or explains why not. */
export function loadNativeKernels(opts: LoadOptions): { kernels?: NativeKernels; report: NativeReport } {
  const env = opts.env ?? process.env;
  if (env.DCL_NATIVE === '0') return { report: { loaded: false, reason: 'native kernels disabled by DCL_NATIVE=0' } };
  if (loaded) {
    loaded.report.threads = loaded.kernels.setThreads(opts.threads);
    return loaded;
  }
  try {
    const build = compileNative(opts);
    const kernels = dynamicRequire(build.file) as NativeKernels;
    const threads = kernels.setThreads(opts.threads);
    loaded = {
      kernels,
      report: { loaded: true, isa: kernels.describe(), threads, compiler: build.compiler, compileMs: Math.round(build.compileMs), file: build.file },
    };
    return loaded;
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { report: { loaded: false, reason: `native kernels unavailable: ${message}` } };
  }
}
