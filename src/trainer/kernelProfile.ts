/**
 * Per-kernel time of the active backend, for `bench --profile`: every kernel registered for the backend is wrapped
 * with a timer while profiling runs, so a training step shows where its milliseconds go (forward and backward
 * kernels alike: gradients run through the same registry). Times are inclusive: a kernel that calls another
 * registered kernel through the registry counts that time too.
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

export interface KernelProfiler {
  /** Totals since start (or the last reset), slowest first. */
  totals(): KernelTime[];
  reset(): void;
  /** Puts the unwrapped kernels back. */
  stop(): void;
}

/** Starts timing every kernel of `backendName` (the active backend by default). */
export function startKernelProfile(backendName: string = tf.getBackend()): KernelProfiler {
  const originals = tf.getKernelsForBackend(backendName);
  const times = new Map<string, KernelTime>();
  for (const config of originals) {
    const entry: KernelTime = { kernel: config.kernelName, calls: 0, ms: 0 };
    times.set(config.kernelName, entry);
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          entry.calls++;
          entry.ms += performance.now() - t0;
        }
      },
    });
  }
  return {
    totals: () => [...times.values()].filter((t) => t.calls > 0).sort((a, b) => b.ms - a.ms).map((t) => ({ ...t })),
    reset: () => {
      for (const t of times.values()) {
        t.calls = 0;
        t.ms = 0;
      }
    },
    stop: () => {
      for (const config of originals) {
        tf.unregisterKernel(config.kernelName, backendName);
        tf.registerKernel(config);
      }
    },
  };
}
