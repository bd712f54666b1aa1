/**
 * Which PyTorch state-dict key each saved tfjs layer becomes. The modules these names belong to are written out
 * in docs/pytorch/dcl_models.py (ResNet-18: torchvision's names with the CIFAR stem). One table per model
 * kind; a layer the table does not know stops the export, so a new layer cannot be silently dropped.
 */
import type { EncoderKind } from '../../shared/protocol';

type Rule = [RegExp, (m: RegExpMatchArray) => string];

const RULES: Record<EncoderKind | 'head', Rule[]> = {
  mlp: [[/^enc_dense(\d+)$/, (m) => `encoder.fc${m[1]}`]],
  cnn: [[/^enc_block(\d+)_(conv|bn)$/, (m) => `encoder.block${m[1]}.${m[2]}`]],
  resnet18: [
    [/^enc_stem_conv$/, () => 'encoder.conv1'],
    [/^enc_stem_bn$/, () => 'encoder.bn1'],
    [/^enc_layer(\d)_(\d)_(a|b)_(conv|bn)$/, (m) => `encoder.layer${m[1]}.${m[2]}.${m[4]}${m[3] === 'a' ? 1 : 2}`],
    [/^enc_layer(\d)_(\d)_proj_(conv|bn)$/, (m) => `encoder.layer${m[1]}.${m[2]}.downsample.${m[3] === 'conv' ? 0 : 1}`],
  ],
  // nn.Sequential(Linear, ReLU, Linear, …): the i-th Linear (1-based) is module 2(i − 1).
  head: [[/^proj_dense(\d+)$/, (m) => `head.${2 * (Number(m[1]) - 1)}`]],
};

/** The module path (without `.weight` etc.) of tfjs layer `layer` in a model of `kind`. */
export function torchModuleName(kind: EncoderKind | 'head', layer: string): string {
  for (const [re, name] of RULES[kind]) {
    const m = layer.match(re);
    if (m) return name(m);
  }
  throw new Error(`no PyTorch name for layer "${layer}" of the ${kind} model; src/trainer/export/torchNames.ts needs a rule for it`);
}
