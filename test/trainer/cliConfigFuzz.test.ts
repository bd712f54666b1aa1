/**
 * Issue 18's bounded fuzz test: 400 seeded bad configs and flag sets (test/helpers/configFuzz.ts) through
 * `dcl-explorer train`, in-process. Each must exit non-zero with exactly one stderr line that names a field, a
 * flag or the file, no stack trace, and no run folder. A few seconds in all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_PATHS } from '../../src/shared/configFields';
import { badConfigText, badFlagSet, seededRng } from '../helpers/configFuzz';
import { runCliInProcess } from '../helpers/cliInProcess';
import { tempDir } from '../helpers/runs';

const SEED = 18;
const CONFIG_CASES = 250;
const FLAG_CASES = 150;

/** A field of the table ("knn.t"), a flag ("--knn-t", "option --x") or the config file, by name. */
const NAMES_SOMETHING = new RegExp(`(${CONFIG_PATHS.map((p) => `\\b${p.replace('.', '\\.')}\\b`).join('|')}|--[\\w-]|unknown field "|field "|config file |unexpected argument ")`);

describe('fuzz: bad configs and flags never start a run (issue 18)', () => {
  const runs = tempDir('dcl-fuzz-runs-');
  const files = tempDir('dcl-fuzz-files-');
  const rng = seededRng(SEED);

  it(`${CONFIG_CASES} config files and ${FLAG_CASES} flag sets: exit ≠ 0, one line naming the problem, no stack, no folder`, { timeout: 120_000 }, async () => {
    const started = Date.now();
    for (let i = 0; i < CONFIG_CASES + FLAG_CASES; i++) {
      let args: string[];
      if (i < CONFIG_CASES) {
        const file = path.join(files, `case${i}.json`);
        fs.writeFileSync(file, badConfigText(rng, runs));
        // Some cases add good flags: a file's own mistakes are refused before flags are merged in.
        args = ['--config', file, ...(rng.next() < 0.3 ? ['--seed', '3', '--epochs', '1'] : [])];
      } else {
        args = badFlagSet(rng, runs);
      }
      const shown = JSON.stringify(args).slice(0, 200);
      const r = await runCliInProcess(['train', ...args]);
      assert.notEqual(r.code, 0, `case ${i} ${shown} was accepted`);
      assert.ok(r.stderr.endsWith('\n'), `case ${i}: ${r.stderr.slice(0, 300)}`);
      const lines = r.stderr.slice(0, -1).split('\n');
      assert.equal(lines.length, 1, `case ${i} ${shown}: ${r.stderr.slice(0, 600)}`);
      const [line] = lines;
      assert.ok(line.startsWith('dcl-explorer: '), `case ${i}: ${line.slice(0, 300)}`);
      assert.ok(line.length <= 1000, `case ${i}: ${line.length} characters: ${line.slice(0, 300)}`);
      assert.doesNotMatch(line, /Maximum call stack|RangeError|TypeError|ReferenceError|\bat .*:\d+:\d+/, `case ${i}`);
      assert.match(line, NAMES_SOMETHING, `case ${i} ${shown}: names no field, flag or file: ${line.slice(0, 300)}`);
      assert.deepEqual(fs.readdirSync(runs), [], `case ${i} ${shown} created a run folder`);
    }
    assert.ok(Date.now() - started < 60_000, 'bounded');
  });
});
