/**
 * The numeric backend a run trains on, and the record of it that the `started`/`resumed` events and status.json
 * carry (which backend, its version, threads, native or GPU details) so a result can be traced to its runtime.
 */
import type { BackendInfo, RunConfig } from '../../shared/protocol';
import { initBackend, type BackendChoice } from '../backend';
import { encoderUsesConv, missingConvGradientKernels } from '../encoders';
import type { RunContext } from './runContext';

/** Chooses the backend; conv encoders need conv gradients, which the stock wasm backend lacks. */
async function chooseBackend(config: RunConfig, ctx: RunContext): Promise<BackendChoice> {
  const choice = await initBackend(config.backend);
  if (encoderUsesConv(config.encoder)) {
    const missing = missingConvGradientKernels(choice.name === 'tensorflow-gpu' ? 'tensorflow' : choice.name);
    if (missing.length) {
      const why = `the ${choice.name} backend has no ${missing.join(' / ')} kernel, so the ${config.encoder} encoder cannot train on it`;
      if (config.backend !== 'auto') {
        throw new Error(`${why}. Fix: use --backend auto or cpu, or --encoder mlp.`);
      }
      ctx.log(`${why}; falling back to the cpu backend`);
      const cpu = await initBackend('cpu');
      return { ...cpu, attempts: [...choice.attempts, ...cpu.attempts], details: [...cpu.details, `skipped ${choice.name}: ${why}`] };
    }
  }
  return choice;
}

function recordOf(backend: BackendChoice): BackendInfo {
  return {
    name: backend.name,
    tfjsVersion: backend.tfjsVersion,
    ...(backend.threads !== undefined ? { threads: backend.threads } : {}),
    ...(backend.native ? { native: backend.native } : {}),
    ...(backend.gpu ? { gpu: backend.gpu } : {}),
    details: backend.details,
  };
}

/** Starts the backend, logs it, and lets a fatal runtime error be explained with it (fatalErrors.ts). */
export async function startBackend(config: RunConfig, ctx: RunContext): Promise<BackendInfo> {
  const backend = await chooseBackend(config, ctx);
  ctx.log(`backend: ${backend.details.join(', ')}`);
  Object.assign(ctx.failure, { backend: backend.name, encoder: config.encoder, batchSize: config.batchSize });
  return recordOf(backend);
}
