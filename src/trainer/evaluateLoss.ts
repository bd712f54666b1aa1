/** Loss + NPC of plain-array embeddings on the deterministic cpu backend (the `loss` CLI and its tests). */
import * as tf from '@tensorflow/tfjs';
import type { LossKind } from '../shared/protocol';
import { initBackend } from './backend';
import { contrastiveLoss, npcMultiplier } from './losses';

export async function evaluateLoss(
  loss: LossKind,
  z1: number[][],
  z2: number[][],
  temperature: number,
  sigma: number,
): Promise<{ loss: number; npc: number[] }> {
  if (tf.getBackend() !== 'cpu') await initBackend('cpu');
  const a = tf.tensor2d(z1);
  const b = tf.tensor2d(z2);
  try {
    const l = contrastiveLoss(loss, a, b, { temperature, sigma });
    const q = npcMultiplier(a, b, temperature);
    const [lv, qv] = await Promise.all([l.data(), q.data()]);
    l.dispose();
    q.dispose();
    return { loss: lv[0], npc: Array.from(qv) };
  } finally {
    a.dispose();
    b.dispose();
  }
}
