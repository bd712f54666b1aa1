// Prints what Dawn (the `webgpu` package) reports on this machine: the adapter it would give the trainer's
// webgpu backend, with the facts src/trainer/webgpu/adapter.ts judges (fallback flag, limits, features), or
// that there is none. Resolved through require so NODE_PATH (a carried, pruned node_modules) is honoured.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
let dawn;
try {
  dawn = await import(pathToFileURL(require.resolve('webgpu')).href);
} catch (e) {
  console.log(`webgpu package: not loadable (${e.message.split('\n')[0]})`);
  process.exit(0);
}
const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) {
  console.log('Dawn adapter: none (see the Vulkan lines above and any "Couldn\'t load Vulkan" warning)');
  process.exit(0);
}
const info = adapter.info ?? {};
const limits = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
];
console.log(`Dawn adapter: ${info.vendor} ${info.architecture} (${info.description || info.device || 'no description'})`);
console.log(`  fallback (software): ${Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter)}`);
for (const k of limits) console.log(`  ${k}: ${adapter.limits[k]}`);
console.log(`  features: ${[...adapter.features].sort().join(', ')}`);
