import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixture, repoRoot } from './helpers/paths';
import { readJson } from './helpers/json';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: repoRoot() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmpJson(value: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-cli-'));
  const file = path.join(dir, 'in.json');
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

interface Vector { name: string; temperature: number; sigma: number; z1: number[][]; z2: number[][]; infonce: number; dcl: number; dclw: number; npc: number[] }
const VECTORS = readJson<Vector[]>(fixture('loss_vectors.json'));

function close(a: number, b: number, rtol: number, atol: number): boolean {
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

describe('dcl-explorer loss (the CLI contract)', () => {
  for (const v of VECTORS) {
    for (const loss of ['infonce', 'dcl', 'dclw'] as const) {
      it(`${v.name}: ${loss} agrees with the float64 reference to 1e-4 relative`, () => {
        const r = cli(['loss', '--loss', loss, '--temperature', String(v.temperature), '--sigma', String(v.sigma), '--input', tmpJson({ z1: v.z1, z2: v.z2 })]);
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split('\n');
        assert.equal(lines.length, 1, 'exactly one JSON object on stdout');
        const out = JSON.parse(lines[0]) as { loss: number; npc: number[] };
        assert.deepEqual(Object.keys(out).sort(), ['loss', 'npc']);
        assert.ok(close(out.loss, v[loss], 1e-4, 1e-6), `${loss}: ${out.loss} vs ${v[loss]}`);
        assert.equal(out.npc.length, 2 * v.z1.length);
        out.npc.forEach((q, i) => assert.ok(close(q, v.npc[i], 1e-4, 1e-7), `npc[${i}]: ${q} vs ${v.npc[i]}`));
      });
    }
  }

  const bad: [string, string[], RegExp][] = [
    ['missing file', ['--loss', 'dcl', '--input', '/nonexistent/x.json'], /cannot read input file .*ENOENT/],
    ['ragged rows', ['--loss', 'dcl', '--input', tmpJson({ z1: [[1, 2], [3]], z2: [[1, 2], [3, 4]] })], /ragged rows/],
    ['N < 2', ['--loss', 'dcl', '--input', tmpJson({ z1: [[1, 2]], z2: [[1, 2]] })], /N ≥ 2/],
    ['mismatched rows', ['--loss', 'dcl', '--input', tmpJson({ z1: [[1, 2], [3, 4]], z2: [[1, 2], [3, 4], [5, 6]] })], /z1 has 2 rows but z2 has 3/],
    ['mismatched widths', ['--loss', 'dcl', '--input', tmpJson({ z1: [[1, 2], [3, 4]], z2: [[1, 2, 0], [3, 4, 0]] })], /widths must match/],
    ['τ ≤ 0', ['--loss', 'dcl', '--temperature', '0', '--input', tmpJson({ z1: [[1, 2], [3, 4]], z2: [[1, 2], [3, 4]] })], /--temperature must be ≥ 0\.001; got 0$/],
    ['negative τ', ['--loss', 'dcl', '--temperature', '-1', '--input', tmpJson({ z1: [[1, 2], [3, 4]], z2: [[1, 2], [3, 4]] })], /--temperature must be ≥ 0\.001; got -1$/],
    ['unknown loss', ['--loss', 'simclr2', '--input', 'x'], /unknown loss "simclr2"/],
    ['not JSON', ['--loss', 'dcl', '--input', tmpJson('{nope')], /not valid JSON/],
    ['non-numeric', ['--loss', 'dcl', '--input', tmpJson({ z1: [[1, 'a'], [3, 4]], z2: [[1, 2], [3, 4]] })], /z1\[0\]\[1\] must be a finite number/],
    ['unknown option', ['--loss', 'dcl', '--tau', '0.1'], /unknown option --tau/],
  ];
  for (const [name, args, pattern] of bad) {
    it(`bad input (${name}) exits non-zero with one clear line on stderr`, () => {
      const r = cli(['loss', ...args]);
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], pattern);
    });
  }

  it('--help documents every subcommand', () => {
    const r = cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Commands:/);
    assert.match(r.stdout, /loss\s+evaluate/);
    assert.match(r.stdout, /--temperature/);
  });
});
