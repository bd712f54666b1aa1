/**
 * Reads one JSON file of a run folder (config.json, a checkpoint's model.json or checkpoint.json, a cached
 * profile). A missing, unreadable or truncated file is one line that names the file, not V8's
 * "Unterminated fractional number in JSON at position 333" with no file in sight.
 */
import * as fs from 'node:fs';
import { clip } from '../shared/configChecks';

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${clip((e as Error).message, 80)}): the file is damaged or was cut short`);
  }
}
