/**
 * Backends that cannot read a tensor synchronously (dataSync): webgpu does it through an OffscreenCanvas, which
 * Node (Dawn) does not have and headless Chromium's SwiftShader loses. Code that reads synchronously asks here
 * and takes its asynchronous or plain-JavaScript path on these.
 */
const NO_SYNC_READ = new Set(['webgpu']);

export function readsSynchronously(backend: string): boolean {
  return !NO_SYNC_READ.has(backend);
}
