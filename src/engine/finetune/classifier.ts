/**
 * A classifier = backbone + head over named parameters: head initialisation (random, zero,
 * or from a linear probe), the logits forward, and snapshots of weights for best-epoch restore.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHead, headForward, isLinearHead, linearHeadSpec } from '../models/heads';
import type { Backbone, BnMode, HeadSpec, ParamSpec, Params } from '../models/types';
import type { ProbeFit } from '../eval/linear-probe';

/** Backbone and head with their parameters. */
export interface Classifier {
  backbone: Backbone;
  headSpec: HeadSpec;
  headPrefix: string;
  head: Params;
  headSpecs: ParamSpec[];
  numClasses: number;
}

/** How the head starts. */
export type HeadInit = 'random' | 'zero';

/** Builds a classifier; the head is seeded-random (PyTorch nn.Linear init) or all zeros (DAFT). */
export function buildClassifier(backbone: Backbone, numClasses: number, o: { spec?: HeadSpec; prefix?: string; init: HeadInit; seed: number }): Classifier {
  const spec = o.spec ?? linearHeadSpec(backbone.featureDim, numClasses);
  const first = spec.blocks[0];
  const last = spec.blocks[spec.blocks.length - 1];
  if (first && first.in !== backbone.featureDim) throw new Error(`head: input ${first.in} does not match backbone featureDim ${backbone.featureDim}`);
  if (last && last.out !== numClasses) throw new Error(`head: output ${last.out} does not match ${numClasses} classes`);
  const prefix = o.prefix ?? 'fc';
  const { params, specs } = createHead(spec, prefix, o.seed);
  if (o.init === 'zero') {
    for (const s of specs) {
      if (s.role === 'dense' || s.role === 'bias') {
        const v = params.get(s.name)!;
        tf.tidy(() => v.assign(tf.zerosLike(v)));
      }
    }
  }
  return { backbone, headSpec: spec, headPrefix: prefix, head: params, headSpecs: specs, numClasses };
}

/** Writes a fitted probe's weight and bias into a linear head. */
export function setHeadFromProbe(c: Classifier, fit: ProbeFit): void {
  if (!isLinearHead(c.headSpec)) throw new Error('linear probe: the head must be a single linear layer (LP and LP-FT)');
  const w = c.head.get(`${c.headPrefix}.weight`);
  const b = c.head.get(`${c.headPrefix}.bias`);
  if (!w || !b) throw new Error(`linear probe: head "${c.headPrefix}" needs a weight and a bias`);
  if (w.shape[0] !== fit.dim || w.shape[1] !== fit.numClasses) throw new Error(`linear probe: fit is [${fit.dim}, ${fit.numClasses}], head is [${w.shape}]`);
  tf.tidy(() => {
    w.assign(tf.tensor2d(fit.weight, [fit.dim, fit.numClasses]));
    b.assign(tf.tensor1d(fit.bias));
  });
}

/** Logits [N, K] of images (use inside tidy). */
export function classifierLogits(c: Classifier, x: tf.Tensor4D, bnMode: BnMode, bnMomentum?: number): tf.Tensor2D {
  const ctx = { bnMode, ...(bnMomentum !== undefined ? { bnMomentum } : {}) };
  return headForward(c.head, c.headPrefix, c.headSpec, c.backbone.forwardFeatures(c.backbone.params, x, ctx), ctx);
}

/** Copies of every backbone and head variable (buffers included), for best-epoch restore. */
export function snapshot(c: Classifier): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [k, v] of c.backbone.params) out.set(`backbone/${k}`, v.clone());
  for (const [k, v] of c.head) out.set(`head/${k}`, v.clone());
  return out;
}

/** Writes a snapshot back into the classifier's variables. */
export function restore(c: Classifier, snap: Map<string, tf.Tensor>): void {
  for (const [key, t] of snap) {
    const [part, ...rest] = key.split('/');
    const name = rest.join('/');
    const v = (part === 'backbone' ? c.backbone.params : c.head).get(name);
    if (!v) throw new Error(`restore: variable "${name}" is missing`);
    v.assign(t);
  }
}

/** Frees a snapshot. */
export function disposeSnapshot(snap: Map<string, tf.Tensor> | undefined): void {
  if (!snap) return;
  for (const t of snap.values()) t.dispose();
  snap.clear();
}
