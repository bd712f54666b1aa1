/** A run folder's config.json, read and checked: every problem is one line that starts with the file's path. */
import type { RunConfig } from '../shared/protocol';
import { ConfigError, resolveConfig } from '../shared/runConfig';
import { readJsonFile } from './readJsonFile';

export function readRunConfig(file: string): RunConfig {
  const value = readJsonFile(file);
  try {
    return resolveConfig(value);
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(`${file}: ${e.message}`);
    throw e;
  }
}
