/** A JSON file read in a test, typed as the test expects it (the assertions then check that it is). */
import * as fs from 'node:fs';

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
