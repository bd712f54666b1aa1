/**
 * Optimizers for the trainer: Adam with decoupled weight decay (AdamW) and SGD with momentum and L2
 * weight decay (PyTorch's SGD semantics). tfjs optimizers have no weight decay, so it is applied here.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../shared/protocol';
import { NativeAdam } from './fastWasm/nativeAdam';
import { checkStateFits, readTfjsState, writeTfjsState, type OptimizerState } from './optimizerState';

export interface TrainOptimizer {
  setLearningRate(lr: number): void;
  /** Applies one update to `vars` given their gradients, then disposes the gradients. */
  apply(grads: tf.NamedTensorMap, vars: tf.Variable[]): void;
  /** The moments / momentum and update count, for a checkpoint (see optimizerState.ts). */
  exportState(vars: tf.Variable[]): Promise<OptimizerState>;
  /** Restores a checkpoint's state into this fresh optimizer, before its first update. */
  importState(state: OptimizerState, vars: tf.Variable[]): Promise<void>;
  dispose(): void;
}

/**
 * The gradients in `vars` order: tfjs optimizers keep their slots by position, so a fixed order is what lets
 * a checkpoint's slots be matched to variables (a missing gradient keeps its place as undefined, which tfjs skips).
 */
const inVarOrder = (m: tf.NamedTensorMap, vars: tf.Variable[]): { name: string; tensor: tf.Tensor }[] => vars.map((v) => ({ name: v.name, tensor: m[v.name] }));

function refuseOtherKind(state: OptimizerState, kind: OptimizerState['kind']): void {
  if (state.kind !== kind) throw new Error(`the checkpoint's optimizer state is ${state.kind} but the run's config says ${kind}; restore optimizer.kind in config.json`);
}

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
        adam.applyGradients(inVarOrder(grads, vars));
        if (opt.weightDecay > 0) {
          tf.tidy(() => {
            for (const v of vars) if (decays(v)) v.assign(tf.mul(v, 1 - lr * opt.weightDecay));
          });
        }
        tf.dispose(Object.values(grads));
      },
      async exportState(vars) {
        if (native) return { kind: 'adam', ...(await native.exportState(vars)) };
        return readTfjsState('adam', adam, vars);
      },
      async importState(state, vars) {
        refuseOtherKind(state, 'adam');
        checkStateFits(state, vars, 2);
        if (native === undefined) native = NativeAdam.forActiveBackend();
        if (native) native.importState(state, vars);
        else await writeTfjsState(state, adam, vars);
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
      sgd.applyGradients(inVarOrder(decayed, vars));
      if (decayed !== grads) tf.dispose(Object.values(decayed));
      tf.dispose(Object.values(grads));
    },
    exportState: (vars) => readTfjsState('sgd', sgd, vars),
    async importState(state, vars) {
      refuseOtherKind(state, 'sgd');
      await writeTfjsState(state, sgd, vars);
    },
    dispose: () => {
      sgd.dispose();
      // tfjs's MomentumOptimizer.dispose skips SGDOptimizer's: its learning-rate scalar `c` would stay behind.
      (sgd as unknown as { c?: tf.Tensor }).c?.dispose();
    },
  };
}
