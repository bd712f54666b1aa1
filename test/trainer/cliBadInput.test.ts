/**
 * Issue 18, families 1, 3 and 4: a config or flag set that is not a run never starts one. Each case is refused
 * with exactly one stderr line that names the field, flag or file, no stack trace, a non-zero exit and no run
 * folder. Run in-process through the CLI's dispatch (src/cli/dispatch.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, mergeConfig } from '../../src/shared/runConfig';
import { runCliInProcess, type CliResult } from '../helpers/cliInProcess';
import { tempDir } from '../helpers/runs';

const runs = tempDir('dcl-bad-input-runs-');
const files = tempDir('dcl-bad-input-files-');
let fileCount = 0;
function file(text: string, name = `c${fileCount++}.json`): string {
  const p = path.join(files, name);
  fs.writeFileSync(p, text);
  return p;
}

/** The invariants every refusal keeps; returns the one line. */
function refusedInOneLine(r: CliResult, pattern: RegExp): string {
  assert.notEqual(r.code, 0, r.stderr);
  assert.ok(r.stderr.endsWith('\n'), r.stderr.slice(0, 300));
  const lines = r.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, r.stderr.slice(0, 600));
  assert.ok(lines[0].length <= 600, `${lines[0].length} characters: ${lines[0].slice(0, 300)}`);
  assert.doesNotMatch(lines[0], /Maximum call stack|RangeError|TypeError|\bat .*\.js:\d+/);
  assert.match(lines[0], pattern);
  assert.deepEqual(fs.readdirSync(runs), [], 'no run folder');
  return lines[0];
}

const train = (...args: string[]) => runCliInProcess(['train', '--runs-dir', runs, ...args]);

describe('family 1: a config that is not a JSON object of known fields never starts a run', () => {
  for (const text of ['[]', 'null', '0', '""', 'true']) {
    it(`refuses a config file holding ${text}`, async () => {
      const f = file(text);
      refusedInOneLine(await train('--config', f), new RegExp(`config file ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the config must be a JSON object`));
    });
  }

  const protoConfigs: [string, string][] = [
    ['{"__proto__": {"epochs": 1}}', '__proto__'],
    ['{"loss": "dcl", "constructor": {"name": "x"}}', 'constructor'],
    ['{"prototype": 1}', 'prototype'],
    ['{"optimizer": {"__proto__": {"lr": 1}}}', 'optimizer.__proto__'],
    ['{"knn": {"constructor": 3}}', 'knn.constructor'],
  ];
  for (const [text, field] of protoConfigs) {
    it(`refuses (does not drop) the key "${field}"`, async () => {
      refusedInOneLine(await train('--config', file(text)), new RegExp(`field "${field.replace('.', '\\.')}" is not allowed`));
    });
  }

  it('refuses a prototype key when configs are merged, too', () => {
    assert.throws(() => mergeConfig(JSON.parse('{"__proto__": {"epochs": 1}}') as object), ConfigError);
    assert.throws(() => mergeConfig({}, JSON.parse('{"knn": {"__proto__": {"k": 1}}}') as object), /field "knn\.__proto__" is not allowed/);
  });

  for (const flag of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__']) {
    it(`treats --${flag} as an unknown flag`, async () => {
      refusedInOneLine(await train(`--${flag}`, 'x'), new RegExp(`unknown option --${flag}; see "dcl-explorer train --help"`));
    });
  }
});

describe('family 3: errors name the problem in one bounded line', () => {
  const deep = (n: number, leaf: string) => '{"a":'.repeat(n) + leaf + '}'.repeat(n);

  it('a config nested 100 000 levels deep', async () => {
    refusedInOneLine(await train('--config', file(deep(100_000, '1'))), /unknown field "a"/);
    refusedInOneLine(await train('--config', file(`{"name": ${deep(100_000, '1')}}`)), /name must be a string; got \{"a": \{"a": \{…\}\}\}$/);
    refusedInOneLine(await train('--config', file(`{"projection": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`)), /projection entry 1 must be a number; got \[\[\[…1 entries\]\]\]$/);
  });

  it('--subset 1e9 is bounded by the field limit', async () => {
    refusedInOneLine(await train('--subset', '1e9'), /invalid run config: subset must be ≤ 100000000; got 1000000000$/);
  });

  it('a 10 MB value is echoed in at most 60 characters', async () => {
    const line = refusedInOneLine(await train('--config', file(JSON.stringify({ loss: 'x'.repeat(10_000_000) }))), /loss must be one of infonce, dcl, dclw; got "x+…/);
    assert.ok(line.length < 250, line);
    refusedInOneLine(await train('--config', file(JSON.stringify({ dataDir: 'd'.repeat(10_000_000) }))), /dataDir must be at most 4096 characters; got 10000000: "d+…/);
    refusedInOneLine(await train('--config', file(JSON.stringify({ ['k'.repeat(10_000_000)]: 1 }))), /unknown field "k{60}…"; allowed fields here: name, loss/);
  });

  it('a million-entry projection gives a short error', async () => {
    const line = refusedInOneLine(
      await train('--config', file(JSON.stringify({ projection: Array<number>(1_000_000).fill(512) }))),
      /projection must be a list of 1 to 16 entries; got \[512, 512, 512, 512, … \(1000000 entries\)\]/,
    );
    assert.ok(line.length < 200, line);
  });

  it('several problems, and a million unknown keys, join into one line', async () => {
    refusedInOneLine(
      await train('--config', file(JSON.stringify({ loss: 'simclr', temperature: 0, batchSize: 1, epochs: 0, knn: { k: 0 } }))),
      /^dcl-explorer: config file .*: loss must be one of .*; temperature must be ≥ 0\.001; got 0; batchSize must be ≥ 2; got 1 \(2 more\)$/,
    );
    const many = Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`k${i}`, i]));
    refusedInOneLine(await train('--config', file(JSON.stringify(many))), /unknown field "k0"; allowed fields here: name, loss, .*; unknown field "k1"; 999998 more unknown fields$/);
  });

  it('a newline inside a value stays on one line', async () => {
    refusedInOneLine(await train('--loss', 'dcl\nAt line two'), /loss must be one of infonce, dcl, dclw; got "dcl\\nAt line two"/);
    refusedInOneLine(await train('--epochs\nx', '3'), /unknown option --epochs x/);
  });

  it('a truncated config.json or model.json in a run folder names the file', async () => {
    const run = tempDir('dcl-bad-input-run-');
    const latest = path.join(run, 'checkpoints', 'latest');
    fs.mkdirSync(path.join(latest, 'encoder'), { recursive: true });
    fs.writeFileSync(path.join(run, 'config.json'), '{"loss": "dcl", "temperature": 0.1');
    fs.writeFileSync(path.join(latest, 'checkpoint.json'), '{"epoch": 1, "step": 4}');
    const config = path.join(run, 'config.json');
    refusedInOneLine(await runCliInProcess(['export-weights', '--run-dir', run]), new RegExp(`${config}.* is not valid JSON \\(.*\\): the file is damaged or was cut short$`));

    fs.writeFileSync(config, JSON.stringify({ loss: 'dcl', encoder: 'mlp' }));
    const model = path.join(latest, 'encoder', 'model.json');
    fs.writeFileSync(model, '{"modelTopology": {"config": {"layers": [{"class_name": "Dense", "config": {"units": 12.');
    refusedInOneLine(await runCliInProcess(['export-weights', '--run-dir', run]), new RegExp(`${model} is not valid JSON \\(.*\\): the file is damaged or was cut short$`));
  });
});

describe('family 4: values that overflow float32 are refused by the limits', () => {
  const embeddings = (x: number) => file(JSON.stringify({ z1: [[x, 1], [1, 0]], z2: [[1, 2], [0, 1]] }));

  it('loss: inputs of 1e39 and τ = 1e-300 are errors, not {"loss": null} and exit 0', async () => {
    refusedInOneLine(await runCliInProcess(['loss', '--loss', 'dcl', '--input', embeddings(1e39)]), /z1\[0\]\[0\] must be a finite number with \|x\| ≤ 1e15 .*; got 1e\+39$/);
    refusedInOneLine(await runCliInProcess(['loss', '--loss', 'dcl', '--temperature', '1e-300', '--input', embeddings(1)]), /^dcl-explorer: loss: --temperature must be ≥ 0\.001; got 1e-300$/);
    refusedInOneLine(await runCliInProcess(['loss', '--loss', 'dclw', '--sigma', '1e300', '--input', embeddings(1)]), /--sigma must be ≤ 100; got 1e\+300$/);
  });

  it('train: --knn-t 1e-300, --temperature 1e-300, --lr 1e-300 and {"epochs": 1e308}', async () => {
    refusedInOneLine(await train('--knn-t', '1e-300'), /knn\.t must be ≥ 0\.01; got 1e-300$/);
    refusedInOneLine(await train('--temperature', '1e-300'), /temperature must be ≥ 0\.001; got 1e-300$/);
    refusedInOneLine(await train('--lr', '1e-300'), /optimizer\.lr must be ≥ 1e-8; got 1e-300$/);
    refusedInOneLine(await train('--config', file('{"epochs": 1e308}')), /epochs must be ≤ 10000; got 1e\+308$/);
    refusedInOneLine(await train('--epochs', '1e400'), /--epochs must be a number; got "1e400"$/);
  });
});
