// Stands in for every node:* module in the browser bundle of the webgpu step page. The trainer's Node-only
// paths (compiled native kernels, fast wasm) are reached lazily and treat a throw as "not available", which is
// what happens on a backend without them; only what runs while the modules load must not throw.
const unavailable = (what) => () => {
  throw new Error(`${what} is not available in the browser`);
};
export const createRequire = () => unavailable('require()');
export const totalmem = () => 0;
export const createHash = unavailable('node:crypto');
export const execFileSync = unavailable('node:child_process');
export const pathToFileURL = unavailable('node:url');
