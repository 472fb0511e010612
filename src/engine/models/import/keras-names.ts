/**
 * Keras weight names (from `.h5` files of keras.applications and `save_weights`) mapped to
 * Attune's model names: EfficientNet (`block2a_expand_conv/kernel` →
 * `features.2.0.block.0.0.weight`) and ResNet-50 (`conv2_block1_1_conv/kernel` →
 * `layer1.0.conv1.weight`); any other `layer/kernel` falls back to `layer.weight`.
 */
import type { Backbone } from '../types';
import type { RawTensors } from '../formats/raw';

const BN_LEAF: Record<string, string> = { weight: 'gamma', bias: 'beta', running_mean: 'moving_mean', running_var: 'moving_variance' };

/** `model_weights/conv1/conv1/kernel:0` → `conv1/kernel` (layer name and weight leaf). */
export function normalizeKerasKey(path: string): string {
  const parts = path.split('/').filter((p) => p.length > 0);
  if (parts[0] === 'model_weights') parts.shift();
  if (parts.length < 2) return path;
  return `${parts[0]}/${parts[parts.length - 1].replace(/:\d+$/, '')}`;
}

function efficientNetAliases(backbone: Backbone): Map<string, string> {
  const out = new Map<string, string>();
  const names = new Set(backbone.specs.map((s) => s.name));
  const depthwise = new Set(backbone.specs.filter((s) => s.depthwise).map((s) => s.name));
  const topStage = Math.max(...backbone.specs.map((s) => Number(/^features\.(\d+)\./.exec(s.name)?.[1] ?? 0)));
  const leafOf = (name: string, isBn: boolean) => {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    if (isBn) return BN_LEAF[leaf];
    if (leaf === 'weight') return depthwise.has(name) ? 'depthwise_kernel' : 'kernel';
    return leaf;
  };
  for (const name of names) {
    let layer: string | undefined;
    let isBn = false;
    let m: RegExpExecArray | null;
    if ((m = /^features\.(\d+)\.([01])\./.exec(name)) && (m[1] === '0' || Number(m[1]) === topStage)) {
      isBn = m[2] === '1';
      layer = `${m[1] === '0' ? 'stem' : 'top'}_${isBn ? 'bn' : 'conv'}`;
    } else if ((m = /^features\.(\d+)\.(\d+)\.block\.(\d+)\.(0|1|fc1|fc2)\./.exec(name))) {
      const [, stage, rep, k, part] = m;
      const hasExpand = names.has(`features.${stage}.${rep}.block.3.0.weight`);
      const role = (hasExpand ? ['expand', 'dw', 'se', 'project'] : ['dw', 'se', 'project'])[Number(k)];
      isBn = part === '1';
      const suffix = role === 'expand' ? (isBn ? 'expand_bn' : 'expand_conv')
        : role === 'dw' ? (isBn ? 'bn' : 'dwconv')
        : role === 'se' ? (part === 'fc1' ? 'se_reduce' : 'se_expand')
        : isBn ? 'project_bn' : 'project_conv';
      layer = `block${stage}${String.fromCharCode(97 + Number(rep))}_${suffix}`;
    }
    if (layer) out.set(`${layer}/${leafOf(name, isBn)}`, name);
  }
  out.set('predictions/kernel', 'classifier.1.weight');
  out.set('predictions/bias', 'classifier.1.bias');
  return out;
}

function resnetAliases(backbone: Backbone): Map<string, string> {
  const out = new Map<string, string>();
  for (const { name } of backbone.specs) {
    let layer: string | undefined;
    let isBn = false;
    let m: RegExpExecArray | null;
    if ((m = /^(conv1|bn1)\./.exec(name))) {
      isBn = m[1] === 'bn1';
      layer = isBn ? 'conv1_bn' : 'conv1_conv';
    } else if ((m = /^layer(\d+)\.(\d+)\.(conv|bn)(\d)\./.exec(name))) {
      isBn = m[3] === 'bn';
      layer = `conv${Number(m[1]) + 1}_block${Number(m[2]) + 1}_${m[4]}_${isBn ? 'bn' : 'conv'}`;
    } else if ((m = /^layer(\d+)\.(\d+)\.downsample\.([01])\./.exec(name))) {
      isBn = m[3] === '1';
      layer = `conv${Number(m[1]) + 1}_block${Number(m[2]) + 1}_0_${isBn ? 'bn' : 'conv'}`;
    }
    if (!layer) continue;
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    out.set(`${layer}/${isBn ? BN_LEAF[leaf] : leaf === 'weight' ? 'kernel' : leaf}`, name);
  }
  out.set('predictions/kernel', 'fc.weight');
  out.set('predictions/bias', 'fc.bias');
  return out;
}

/**
 * Aliases from Keras names to the backbone's names, for the architectures whose
 * keras.applications layout Attune mirrors; otherwise `layer/kernel` → `layer.weight`
 * for the given file keys (Attune's own TF.js/Keras-style exports).
 */
export function kerasAliases(backbone: Backbone, keys: Iterable<string>): Map<string, string> {
  if (backbone.arch.startsWith('efficientnet-')) return efficientNetAliases(backbone);
  if (backbone.arch === 'resnet50' || backbone.arch === 'resnet101') return resnetAliases(backbone);
  const out = new Map<string, string>();
  for (const key of keys) {
    const [layer, leaf] = key.split('/');
    if (!leaf) continue;
    const mapped = { kernel: 'weight', depthwise_kernel: 'weight', bias: 'bias', gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' }[leaf];
    if (mapped) out.set(key, `${layer}.${mapped}`);
  }
  return out;
}

/**
 * Keras ResNets give their convolutions a bias followed by BatchNorm. BN(conv + b) equals
 * BN'(conv) with moving_mean' = moving_mean − b in eval mode, and train-mode batch statistics
 * absorb the bias anyway, so the bias is folded into the BN mean. Returns the new tensors and
 * the folded keys.
 */
export function foldKerasConvBiases(tensors: RawTensors): { tensors: RawTensors; folded: string[] } {
  const out: RawTensors = new Map(tensors);
  const folded: string[] = [];
  for (const [key, bias] of tensors) {
    const m = /^(.*)_conv\/bias$/.exec(key);
    const mean = m ? tensors.get(`${m[1]}_bn/moving_mean`) : undefined;
    if (!m || !mean || mean.data.length !== bias.data.length) continue;
    out.set(`${m[1]}_bn/moving_mean`, { ...mean, data: mean.data.map((v, i) => v - bias.data[i]) });
    out.delete(key);
    folded.push(key);
  }
  return { tensors: out, folded };
}
