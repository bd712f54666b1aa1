/**
 * `tf.variableGrads` that frees memory as the backward pass goes, as PyTorch's autograd does.
 *
 * Why: tfjs's backward pass keeps every node's saved activations and every intermediate gradient until the whole
 * pass ends, so the peak is about twice the forward activations (measured: ResNet-18 at 32×32, 31 MiB per image
 * with two views, where the activations are 15.5). Here, once a node's input gradients are computed, its saved
 * tensors and its outputs' gradients are released: nothing processed later (earlier in the tape) can need them.
 * The values are the same as tf.variableGrads's (same gradient functions, same accumulation order).
 *
 * It walks the engine's tape, which is not public API: the members used are checked, and where they are missing
 * (another tfjs version) or the call is nested inside another gradient, tf.variableGrads does the work instead.
 */
import * as tf from '@tensorflow/tfjs';

interface TapeNode {
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
}

function engineInternals(): EngineInternals | null {
  const e = tf.engine() as unknown as Partial<EngineInternals>;
  const ok = typeof e.startTape === 'function' && typeof e.endTape === 'function' && typeof e.scopedRun === 'function' && e.state && 'activeTape' in e.state;
  return ok ? (e as EngineInternals) : null;
}

/** The tape nodes on a path from some x to y, with inputs not computed from an x pruned (as tfjs's own filter). */
export function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodeFromX = tape.map((node) => {
    const hit = Object.values(node.inputs).some((t) => fromX.has(t.id));
    if (hit) for (const o of node.outputs) fromX.add(o.id);
    return hit;
  });
  const toY = new Set([y.id]);
  const nodeToY = new Array<boolean>(tape.length).fill(false);
  for (let i = tape.length - 1; i >= 0; i--) {
    if (tape[i].outputs.some((o) => toY.has(o.id))) {
      nodeToY[i] = true;
      for (const t of Object.values(tape[i].inputs)) toY.add(t.id);
    }
  }
  return tape.flatMap((node, i) =>
    nodeFromX[i] && nodeToY[i] ? [{ ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id))) }] : [],
  );
}

/** Gradients held by tensor id; a gradient tensor is disposed when no id holds it any more. */
class GradientStore {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  put(id: number, t: tf.Tensor): void {
    this.byId.set(id, t);
    this.holders.set(t, (this.holders.get(t) ?? 0) + 1);
  }

  drop(id: number): void {
    const t = this.byId.get(id);
    if (!t) return;
    this.byId.delete(id);
    this.releaseIfUnheld(t, -1);
  }

  /** Disposes `t` when no id holds it (after `delta` holders are given up). */
  releaseIfUnheld(t: tf.Tensor, delta = 0): void {
    const left = (this.holders.get(t) ?? 0) + delta;
    if (left > 0) this.holders.set(t, left);
    else {
      this.holders.delete(t);
      t.dispose();
    }
  }
}

function checkGradient(node: TapeNode, name: string, dx: tf.Tensor, x: tf.Tensor): void {
  if (dx.dtype !== 'float32') throw new Error(`Error in gradient for op ${node.kernelName}: the gradient of input ${name} is ${dx.dtype}, not float32`);
  if (!tf.util.arraysEqual(dx.shape, x.shape)) {
    throw new Error(`Error in gradient for op ${node.kernelName}: the gradient of input '${name}' has shape [${dx.shape}], the input [${x.shape}]`);
  }
}

/**
 * As tf.variableGrads(f, vars): the value of f and the gradient of every trainable variable it depends on, by name.
 * With `dy`, f may return a tensor of any shape and the gradients are those of Σ f·dy (dy is not disposed).
 */
export function variableGradsFreeing<T extends tf.Tensor = tf.Scalar>(f: () => T, vars: tf.Variable[], dy?: tf.Tensor): { value: T; grads: tf.NamedTensorMap } {
  const engine = engineInternals();
  if (!engine || engine.state.gradientDepth !== 0) {
    if (!dy) return tf.variableGrads(f as unknown as () => tf.Scalar, vars) as { value: T; grads: tf.NamedTensorMap };
    throw new Error('variableGradsFreeing: an upstream gradient needs the tfjs engine internals this version lacks');
  }
  const xs = vars.filter((v) => v.trainable);
  if (xs.length === 0) throw new Error('variableGradsFreeing: no trainable variable to differentiate');
  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor) || (dy ? !tf.util.arraysEqual(y.shape, dy.shape) : y.rank !== 0)) {
    throw new Error(`variableGradsFreeing: f must return ${dy ? `a tensor of dy's shape [${dy.shape}]` : 'a scalar tensor'}`);
  }
  const tape = engine.state.activeTape ?? [];
  const nodes = nodesFromXsToY(tape, xs, y);
  const result = engine.tidy('backward', () => {
    const store = new GradientStore();
    const wanted = new Set(xs.map((x) => x.id));
    // A clone, so releasing y's gradient never disposes the caller's dy.
    store.put(y.id, dy ? tf.clone(dy) : tf.onesLike(y));
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      const inputGradients = node.gradient(node.outputs.map((o) => store.get(o.id) ?? null));
      for (const name of Object.keys(node.inputs)) {
        if (!(name in inputGradients)) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
        const x = node.inputs[name];
        const dx = engine.tidy(() => inputGradients[name]());
        checkGradient(node, name, dx, x);
        const previous = store.get(x.id);
        if (!previous) {
          store.put(x.id, dx);
          continue;
        }
        const sum = tf.add(previous, dx);
        store.drop(x.id);
        store.put(x.id, sum);
        store.releaseIfUnheld(dx);
      }
      // Every consumer of this node's outputs comes later in the tape and is done: their gradients and the
      // activations this node saved for its own gradient are no longer needed.
      for (const o of node.outputs) if (!wanted.has(o.id)) store.drop(o.id);
      for (const t of node.saved ?? []) t.dispose();
    }
    const grads: tf.NamedTensorMap = {};
    for (const x of xs) {
      const g = store.get(x.id);
      if (g) grads[x.name] = g;
    }
    return { value: y, grads };
  });
  // As tf.variableGrads at gradient depth 0: the tape's remaining saved tensors go with it.
  for (const node of tape) for (const t of node.saved ?? []) t.dispose();
  engine.state.activeTape = null;
  if (Object.keys(result.grads).length === 0) {
    throw new Error('Cannot find a connection between any variable and the result of the loss function y=f(x).');
  }
  return result;
}
