/**
 * Every contrastive loss the product knows, once, as plain data: the CLI's choices and help, the host's
 * QuickPick, the schema's enum, table rows and chart labels all read this list. The tensor code of each
 * loss lives in `src/trainer/losses/<id>.ts`; `src/trainer/losses/index.ts` maps each id here to it, and
 * the compiler refuses an id without one.
 *
 * Adding a loss: one entry here, one file in `src/trainer/losses/` (and its test), one line in that index, then
 * `node scripts/generate-schema.mjs` (the schema's and package.json's loss lists are written from this one).
 * The order of this list is the paper's order (baseline first), used wherever losses are listed.
 */

export interface LossInfo {
  /** The value of `loss` in configs, flags and events. */
  readonly id: string;
  /** Short name for chart legends and headers. */
  readonly label: string;
  /** Name for tables, where the baseline's origin helps. */
  readonly tableLabel: string;
  /** One line for pickers: what the loss does. */
  readonly description: string;
  /** The per-anchor formula, in the notation of the README. */
  readonly formula: string;
  /** Whether the `sigma` setting changes this loss (so flows ask for it and headers show it). */
  readonly usesSigma: boolean;
  /**
   * Whether the positive pair sits in the denominator, so the NPC multiplier scales this loss's own
   * gradient; for decoupled losses the NPC is a diagnostic of what InfoNCE would have done.
   */
  readonly coupled: boolean;
}

export const LOSSES = [
  {
    id: 'infonce',
    label: 'InfoNCE',
    tableLabel: 'InfoNCE (SimCLR)',
    description: "SimCLR's NT-Xent, the baseline",
    formula: '−log(e^pos / (e^pos + Σneg e^s))',
    usesSigma: false,
    coupled: true,
  },
  {
    id: 'dcl',
    label: 'DCL',
    tableLabel: 'DCL',
    description: 'The positive pair left out of the denominator (decoupled)',
    formula: '−pos + log Σneg e^s',
    usesSigma: false,
    coupled: false,
  },
  {
    id: 'dclw',
    label: 'DCLW',
    tableLabel: 'DCLW',
    description: 'DCL with positives weighted by a von Mises–Fisher kernel (σ)',
    formula: '−w·pos + log Σneg e^s, w = 2 − N·softmax(⟨z1, z2⟩/σ)',
    usesSigma: true,
    coupled: false,
  },
] as const satisfies readonly LossInfo[];

export type LossKind = (typeof LOSSES)[number]['id'];
export const LOSS_KINDS: readonly LossKind[] = LOSSES.map((l) => l.id);

const BY_ID = new Map<string, LossInfo>(LOSSES.map((l) => [l.id, l]));

export function isLossKind(value: unknown): value is LossKind {
  return typeof value === 'string' && BY_ID.has(value);
}

/** The entry for an id; an unknown id (an old run, a hand-edited config) gets a neutral entry named by itself. */
export function lossInfo(id: string): LossInfo {
  return BY_ID.get(id) ?? { id, label: id, tableLabel: id, description: '', formula: '', usesSigma: false, coupled: false };
}

/** Position in the paper's order; unknown ids sort after the known ones. */
export function lossOrder(id: string): number {
  const i = LOSSES.findIndex((l) => l.id === id);
  return i < 0 ? LOSSES.length : i;
}

/** `infonce | dcl | dclw`, for help texts. */
export const LOSS_CHOICES_TEXT = LOSS_KINDS.join(' | ');

/** `InfoNCE, DCL, DCLW`, for prose in help texts. */
export const LOSS_LABELS_TEXT = LOSSES.map((l) => l.label).join(', ');
