/**
 * A loss is one registry entry plus one file of tensor code: these checks fail when a loss id is
 * written anywhere else in the product code, when the manifest's loss setting drifts from the registry,
 * or when a registered loss has no working implementation.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { repoRoot } from './helpers/paths';
import { LOSSES, LOSS_KINDS, lossInfo, lossOrder } from '../src/shared/lossRegistry';
import { lossWithNpc } from '../src/trainer/losses';
import { randomMatrix, seededNormal, useCpu } from './helpers/tf';
import { readJson } from './helpers/json';

const root = repoRoot();

/**
 * Where a loss id may be spelled out as code: the registry, the loss files themselves, and the run config's
 * defaults (the default loss is a config fact, like every other default).
 */
const ALLOWED = [
  path.join('src', 'shared', 'lossRegistry.ts'),
  path.join('src', 'trainer', 'losses') + path.sep,
  path.join('src', 'shared', 'configFields.ts'),
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

/** Code with comments removed, so prose that names a loss does not count as a second definition. */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('loss registry', () => {
  before(async () => {
    await useCpu();
  });

  it('is the only product code that spells a loss id as a string', () => {
    const offenders: string[] = [];
    for (const file of [...sourceFiles('src'), ...sourceFiles('webview')]) {
      if (ALLOWED.some((a) => file === a || file.startsWith(a))) continue;
      const code = codeOf(fs.readFileSync(path.join(root, file), 'utf8'));
      for (const id of LOSS_KINDS) {
        // Single quotes and backticks delimit code strings here; double quotes only appear inside messages (JSON examples).
        if (new RegExp(`['\`]${id}['\`]`).test(code)) offenders.push(`${file} ('${id}')`);
      }
    }
    assert.deepEqual(offenders, [], 'read the loss from src/shared/lossRegistry.ts instead');
  });

  it("the loss setting in package.json lists the registry's ids and descriptions, in order", () => {
    const pkg = readJson<{ contributes: { configuration: { properties: Record<string, { enum: string[]; enumDescriptions: string[] }> } } }>(path.join(root, 'package.json'));
    const setting = pkg.contributes.configuration.properties['dclExplorer.loss'];
    assert.deepEqual(setting.enum, LOSSES.map((l) => l.id));
    assert.deepEqual(setting.enumDescriptions, LOSSES.map((l) => `${l.label}: ${l.description}.`));
  });

  it('every registered loss trains: a finite loss, a gradient, and NPC multipliers in (0, 1)', () => {
    const rnd = seededNormal(7);
    const z1 = tf.tensor2d(randomMatrix(6, 4, rnd));
    const z2 = tf.tensor2d(randomMatrix(6, 4, rnd));
    for (const { id } of LOSSES) {
      const grad = tf.grad((a: tf.Tensor) => lossWithNpc(id, a as tf.Tensor2D, z2, { temperature: 0.5, sigma: 0.5 }).loss)(z1);
      const { loss, npc } = lossWithNpc(id, z1, z2, { temperature: 0.5, sigma: 0.5 });
      assert.ok(Number.isFinite(loss.dataSync()[0]), id);
      assert.ok(grad.dataSync().some((g) => g !== 0), `${id}: no gradient`);
      assert.ok(npc.dataSync().every((q) => q > 0 && q < 1), id);
      tf.dispose([grad, loss, npc]);
    }
    tf.dispose([z1, z2]);
  });

  it('answers for ids it does not know (an old run folder) without throwing', () => {
    assert.equal(lossInfo('triplet').label, 'triplet');
    assert.equal(lossOrder('triplet'), LOSSES.length);
    assert.equal(lossOrder(LOSS_KINDS[0]), 0);
  });
});
