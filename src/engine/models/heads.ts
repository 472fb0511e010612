/**
 * Heads declared as data (`HeadSpec`): a list of dense blocks, each optionally followed by
 * BatchNorm / LayerNorm and ReLU (lightly's projection and prediction heads).
 *
 * Names: a head that is one block without norm is a plain linear layer, named like
 * torchvision's classifier: `<prefix>.weight` [in, out], `<prefix>.bias`. Otherwise block i
 * has `<prefix>.<i>.weight`, `<prefix>.<i>.bias` and `<prefix>.<i>.norm.{weight,bias,
 * running_mean,running_var}`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BnLayerRef, ForwardContext, HeadSpec, MlpBlockSpec, ParamSpec, Params } from './types';
import { ParamBuilder, bnRef } from './builder';
import { batchNorm, dense, layerNorm, param, relu } from './layers';

/** True when the head is a single linear layer (named `<prefix>.weight`). */
export function isLinearHead(spec: HeadSpec): boolean {
  return spec.blocks.length === 1 && spec.blocks[0].norm === 'none';
}

/** A linear head spec: featureDim → classes, with bias. */
export function linearHeadSpec(inDim: number, classes: number): HeadSpec {
  return { blocks: [{ in: inDim, out: classes, norm: 'none', activation: 'none', bias: true }] };
}

/**
 * An MLP head spec: dims [in, hidden..., out]; hidden blocks get `norm` and ReLU (no bias
 * before BatchNorm), the last block is linear with bias.
 */
export function mlpHeadSpec(dims: number[], norm: MlpBlockSpec['norm'] = 'batch'): HeadSpec {
  if (dims.length < 2) throw new Error('mlpHeadSpec: needs at least [in, out]');
  const blocks: MlpBlockSpec[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    const last = i + 2 === dims.length;
    blocks.push(last
      ? { in: dims[i], out: dims[i + 1], norm: 'none', activation: 'none', bias: true }
      : { in: dims[i], out: dims[i + 1], norm, activation: 'relu', bias: norm !== 'batch' });
  }
  return { blocks };
}

function blockPrefix(spec: HeadSpec, prefix: string, i: number): string {
  return isLinearHead(spec) ? prefix : `${prefix}.${i}`;
}

/** The BatchNorm references of a head, in forward order. */
export function headBnLayers(spec: HeadSpec, prefix: string): BnLayerRef[] {
  return spec.blocks.flatMap((blk, i) => (blk.norm === 'batch' ? [bnRef(`${prefix}.${i}.norm`, 1e-5, `${prefix}.${i}.weight`)] : []));
}

function validate(spec: HeadSpec): void {
  if (!spec || !Array.isArray(spec.blocks) || spec.blocks.length === 0) throw new Error('head spec: blocks must be a non-empty list');
  spec.blocks.forEach((b, i) => {
    if (!Number.isInteger(b.in) || b.in < 1 || !Number.isInteger(b.out) || b.out < 1) {
      throw new Error(`head spec: block ${i} needs positive integer in/out`);
    }
    if (i > 0 && spec.blocks[i - 1].out !== b.in) throw new Error(`head spec: block ${i} input ${b.in} != previous output ${spec.blocks[i - 1].out}`);
    if (!['batch', 'layer', 'none'].includes(b.norm)) throw new Error(`head spec: block ${i} norm "${b.norm}" is not batch|layer|none`);
    if (!['relu', 'none'].includes(b.activation)) throw new Error(`head spec: block ${i} activation "${b.activation}" is not relu|none`);
  });
}

/** Creates a head's variables (PyTorch nn.Linear init, norm γ=1 β=0) under `prefix`. */
export function createHead(spec: HeadSpec, prefix: string, seed = 0): { params: Params; specs: ParamSpec[] } {
  validate(spec);
  const b = new ParamBuilder(seed);
  spec.blocks.forEach((blk, i) => {
    const p = blockPrefix(spec, prefix, i);
    b.dense(`${p}.weight`, blk.in, blk.out);
    if (blk.bias ?? true) b.bias(`${p}.bias`, blk.out, blk.in);
    if (blk.norm === 'batch') b.batchNorm(`${p}.norm`, blk.out);
    if (blk.norm === 'layer') b.scaleShift(`${p}.norm.weight`, `${p}.norm.bias`, blk.out);
  });
  return { params: b.params, specs: b.specs };
}

/** Runs a head on pooled features [N, in] → [N, out]. */
export function headForward(params: Params, prefix: string, spec: HeadSpec, x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
  let h = x;
  spec.blocks.forEach((blk, i) => {
    const p = blockPrefix(spec, prefix, i);
    const bias = (blk.bias ?? true) ? param(params, `${p}.bias`) : undefined;
    h = dense(h, param(params, `${p}.weight`), bias);
    if (blk.norm === 'batch') h = batchNorm(params, bnRef(`${p}.norm`), h, ctx) as tf.Tensor2D;
    if (blk.norm === 'layer') h = layerNorm(h, param(params, `${p}.norm.weight`), param(params, `${p}.norm.bias`)) as tf.Tensor2D;
    if (blk.activation === 'relu') h = relu(h);
  });
  return h;
}
