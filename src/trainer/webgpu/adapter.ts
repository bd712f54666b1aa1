/**
 * Decides whether a WebGPU adapter is one worth training on, from plain facts about it (no GPU needed to
 * test). Dawn and browsers hand out software adapters (SwiftShader, lavapipe/llvmpipe, WARP) when no GPU
 * driver is usable; those run the kernels on the CPU far slower than the native CPU backends, so `auto`
 * must not pick them and an explicit choice must say why it refuses.
 */
import type { GpuAdapterInfo } from '../../shared/protocol';

/** The parts of a GPUAdapter this module reads (the `webgpu` package and browsers both fit). */
export interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    /** Newer Dawn puts the fallback flag here (the adapter's own one is deprecated). */
    isFallbackAdapter?: boolean;
  };
  readonly features: { has(name: string): boolean };
  readonly limits: Record<string, unknown>;
}

/**
 * Limits the trainer's tensors need, at the values the WebGPU spec guarantees by default: one storage
 * binding holds a whole activation (resnet18 at 32×32×3, batch 256: 64 MiB per block output) and the
 * matmul shaders use 16 KiB of workgroup memory with 256 invocations. An adapter under these is not one
 * tfjs-backend-webgpu can run on.
 */
export const REQUIRED_LIMITS: Readonly<Record<string, number>> = {
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
  maxBufferSize: 256 * 1024 * 1024,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
};

/** Limits recorded with the run (the ones that bound batch size and kernel shapes). */
export const RECORDED_LIMITS = [...Object.keys(REQUIRED_LIMITS), 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension'] as const;

/** Features recorded when present; none is required (tfjs-backend-webgpu asks for them only if offered). */
const RECORDED_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'] as const;

/** Names that give away a software rasteriser even where the fallback flag is not set (lavapipe calls itself a CPU). */
const SOFTWARE_NAMES = /swiftshader|lavapipe|llvmpipe|softpipe|microsoft basic render|\bwarp\b/i;

export type AdapterFacts = GpuAdapterInfo;

export type AdapterVerdict = { ok: true; adapter: AdapterFacts } | { ok: false; reason: string; adapter?: AdapterFacts };

export function adapterFacts(a: AdapterLike): AdapterFacts {
  const info = a.info ?? {};
  const limits: Record<string, number> = {};
  for (const k of RECORDED_LIMITS) {
    const v = a.limits[k];
    if (typeof v === 'number') limits[k] = v;
  }
  return {
    vendor: info.vendor || 'unknown vendor',
    architecture: info.architecture || 'unknown architecture',
    description: info.description || info.device || 'no description',
    limits,
    features: RECORDED_FEATURES.filter((f) => a.features.has(f)),
  };
}

/** One line for status.json and the started event: who the adapter is and what bounds it. */
export function describeAdapter(f: AdapterFacts): string {
  const mib = (n: number | undefined): string => (n === undefined ? '?' : `${Math.round(n / 2 ** 20)} MiB`);
  return (
    `webgpu adapter: ${f.software ? 'SOFTWARE (DCL_WEBGPU_ALLOW_SOFTWARE=1) ' : ''}${f.vendor} ${f.architecture} (${f.description}); ` +
    `max storage binding ${mib(f.limits.maxStorageBufferBindingSize)}, max buffer ${mib(f.limits.maxBufferSize)}, ` +
    `workgroup storage ${f.limits.maxComputeWorkgroupStorageSize ?? '?'} B, invocations ${f.limits.maxComputeInvocationsPerWorkgroup ?? '?'}; ` +
    `features: ${f.features.length ? f.features.join(', ') : 'none of ' + RECORDED_FEATURES.join(', ')}`
  );
}

/**
 * Accept a hardware adapter that meets REQUIRED_LIMITS; everything else gets a reason a person can act on.
 * `allowSoftware` takes a software adapter too (tests of the Node path on SwiftShader; never chosen by default).
 */
export function judgeAdapter(a: AdapterLike | null | undefined, opts: { allowSoftware?: boolean } = {}): AdapterVerdict {
  if (!a) {
    return {
      ok: false,
      reason: 'Dawn found no WebGPU adapter (no usable Vulkan, Metal or D3D12 driver)',
    };
  }
  const facts = adapterFacts(a);
  const name = `${facts.vendor} ${facts.architecture} ${facts.description}`;
  const software = Boolean(a.info?.isFallbackAdapter || a.isFallbackAdapter || SOFTWARE_NAMES.test(name));
  if (software && opts.allowSoftware) facts.software = true;
  else if (software) {
    return { ok: false, reason: `only a fallback (software) adapter was found: ${name.trim()} (slower than --backend native; DCL_WEBGPU_ALLOW_SOFTWARE=1 takes it anyway)`, adapter: facts };
  }
  const short = Object.entries(REQUIRED_LIMITS)
    .filter(([k, min]) => !(typeof a.limits[k] === 'number' && (a.limits[k]) >= min))
    .map(([k, min]) => `${k} ${typeof a.limits[k] === 'number' ? a.limits[k] : 'missing'} < ${min}`);
  if (short.length) return { ok: false, reason: `adapter ${name.trim()} lacks required limits: ${short.join(', ')}`, adapter: facts };
  return { ok: true, adapter: facts };
}
