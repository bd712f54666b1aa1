/**
 * Optimizers for the trainer: Adam with decoupled weight decay (AdamW) and SGD with momentum and L2
 * weight decay (PyTorch's SGD semantics). tfjs optimizers have no weight decay, so it is applied here.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../shared/protocol';
import { NativeAdam } from './fastWasm/nativeAdam';

export interface TrainOptimizer {
  setLearningRate(lr: number): void;
  /** Applies one update to `vars` given their gradients, then disposes the gradients. */
  apply(grads: tf.NamedTensorMap, vars: tf.Variable[]): void;
  dispose(): void;
}

const named = (m: tf.NamedTensorMap): { name: string; tensor: tf.Tensor }[] => Object.entries(m).map(([name, tensor]) => ({ name, tensor }));

/** Batch-norm scales/offsets and biases are not decayed (SimCLR practice). */
function decays(v: tf.Variable): boolean {
  return v.shape.length > 1;
}

export function makeOptimizer(opt: RunConfig['optimizer']): TrainOptimizer {
  let lr = opt.lr;
  if (opt.kind === 'adam') {
    const adam = tf.train.adam(lr);
    // On wasm with native kernels, one native pass per variable (see NativeAdam); decided at the first step.
    let native: NativeAdam | null | undefined;
    return {
      setLearningRate(next) {
        lr = next;
        // AdamOptimizer reads this field on every applyGradients call.
        (adam as unknown as { learningRate: number }).learningRate = next;
      },
      apply(grads, vars) {
        if (native === undefined) native = NativeAdam.forActiveBackend();
        if (native) {
          native.apply(grads, vars, lr, (v) => (opt.weightDecay > 0 && decays(v) ? 1 - lr * opt.weightDecay : 1));
          tf.dispose(Object.values(grads));
          return;
        }
        adam.applyGradients(named(grads));
        if (opt.weightDecay > 0) {
          tf.tidy(() => {
            for (const v of vars) if (decays(v)) v.assign(tf.mul(v, 1 - lr * opt.weightDecay));
          });
        }
        tf.dispose(Object.values(grads));
      },
      dispose: () => {
        adam.dispose();
        native?.dispose();
      },
    };
  }
  const sgd = tf.train.momentum(lr, opt.momentum);
  return {
    setLearningRate(next) {
      lr = next;
      sgd.setLearningRate(next);
    },
    apply(grads, vars) {
      const byName = new Map(vars.map((v) => [v.name, v]));
      const decayed: tf.NamedTensorMap =
        opt.weightDecay > 0
          ? tf.tidy(() => {
              const out: tf.NamedTensorMap = {};
              for (const [name, g] of Object.entries(grads)) {
                const v = byName.get(name);
                out[name] = v && decays(v) ? tf.add(g, tf.mul(v, opt.weightDecay)) : tf.clone(g);
              }
              return out;
            })
          : grads;
      sgd.applyGradients(named(decayed));
      if (decayed !== grads) tf.dispose(Object.values(decayed));
      tf.dispose(Object.values(grads));
    },
    dispose: () => sgd.dispose(),
  };
}
