/**
 * Issue 25: BYOL on a BiT backbone ran its two target-network forwards on the gradient tape, so
 * every op of them kept its saved tensors (four weight-sized tensors per weight-standardised
 * conv) until the backward pass ended, which pushed a 64 px batch of 8 on bit-r50x1 past the
 * wasm heap's 4 GB. The target forwards now run off the tape; these tests pin that, the
 * unchanged numerics, and a flat tensor count over two real bit-r50x1 steps. MoCo's key
 * encoder, the same kind of no-gradient forward, runs off the tape too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../train/tf-setup';
import { createSmallResNet } from '../../../src/engine/models/small-resnet';
import { createBackbone } from '../../../src/engine/models/registry';
import { Byol } from '../../../src/engine/methods/byol';
import { Moco } from '../../../src/engine/methods/moco';
import { byolSymmetricLoss, infoNceLoss, l2Normalize } from '../../../src/engine/methods/losses';
import { withShuffledBatch } from '../../../src/engine/methods/shuffle-bn';
import type { SeededRandom } from '../../../src/engine/train/seed';
import { predict, project } from '../../../src/engine/methods/network';
import { withoutTape } from '../../../src/engine/methods/stop-gradient';
import { NamedOptimizer } from '../../../src/engine/train/optimizers';
import { sslStep } from '../../../src/engine/train/step';
import type { Params } from '../../../src/engine/models/types';

beforeAll(async () => {
  await useTestBackend();
});

const info = { step: 0, totalSteps: 10 };
const randomViews = (n: number, size: number, c: number, seed: number): tf.Tensor4D[] =>
  [0, 1].map((i) => tf.randomNormal([n, size, size, c], 0, 1, 'float32', seed + i) as tf.Tensor4D);

/** Number of ops on the active gradient tape that read one of `params` (call inside the tape). */
function tapedReadsOf(params: Params): number {
  const ids = new Set([...params.values()].map((v) => v.id));
  const tape = tf.engine().state.activeTape ?? [];
  return tape.filter((node) => Object.values(node.inputs).some((t) => t && ids.has(t.id))).length;
}

/** BYOL's loss as it was before the fix: target projections computed on the tape. */
function lossOnTape(byol: Byol, views: tf.Tensor4D[]): tf.Scalar {
  const online = { bnMode: 'train' as const };
  const target = { bnMode: 'batch-no-update' as const };
  const p1 = predict(byol.net, byol.net.params, project(byol.net, byol.net.params, views[0], online), online);
  const p2 = predict(byol.net, byol.net.params, project(byol.net, byol.net.params, views[1], online), online);
  const z1 = project(byol.net, byol.target, views[0], target);
  const z2 = project(byol.net, byol.target, views[1], target);
  return byolSymmetricLoss(p1, p2, z1, z2);
}

describe('withoutTape', () => {
  it('returns f() and records none of its ops: no gradient, nothing kept for the backward pass', () => {
    const w = tf.variable(tf.tensor1d([1, 2, 3]));
    const x = tf.tensor1d([0.5, -1, 2]);
    let taped = -1;
    const { value, grads } = tf.variableGrads(() => {
      const before = tf.engine().state.activeTape!.length;
      const off = withoutTape(() => tf.sum(tf.mul(tf.square(w), x)));
      taped = tf.engine().state.activeTape!.length - before;
      return tf.add(tf.sum(w), off) as tf.Scalar;
    }, [w]);
    // only the customGrad node itself is recorded, not Square / Mul / Sum
    expect(taped).toBe(1);
    expect(value.dataSync()[0]).toBeCloseTo(6 + (0.5 - 4 + 18), 5);
    expect(Array.from(grads[w.name].dataSync())).toEqual([1, 1, 1]);
    value.dispose();
    tf.dispose(Object.values(grads));
    w.dispose();
    x.dispose();
  });
});

describe('BYOL target forwards off the tape (issue 25)', () => {
  it('same loss and gradients as the target on the tape (BN backbone, BN heads), and no op reads a target variable on the tape', () => {
    const byol = new Byol(createSmallResNet({ widths: [4, 8], blocks: 1, inChannels: 1 }, 3), {
      projector: { hidden: 16, out: 8, norm: 'batch' }, predictor: { hidden: 16, out: 8, norm: 'batch' },
    }, 4);
    const views = randomViews(4, 8, 1, 11);
    const vars = byol.trainable();
    // both formulations update the online BN running statistics once; snapshot and restore them
    const running = [...byol.net.params].filter(([k]) => k.includes('running'));
    const saved = running.map(([, v]) => v.clone());
    let readsNow = -1;
    const now = tf.variableGrads(() => {
      const l = byol.loss(views, info);
      readsNow = tapedReadsOf(byol.target);
      return l;
    }, vars.map((v) => v.variable));
    running.forEach(([, v], i) => v.assign(saved[i]));
    let readsBefore = -1;
    const before = tf.variableGrads(() => {
      const l = lossOnTape(byol, views);
      readsBefore = tapedReadsOf(byol.target);
      return l;
    }, vars.map((v) => v.variable));
    expect(readsBefore).toBeGreaterThan(0);
    expect(readsNow).toBe(0);
    expect(now.value.dataSync()[0]).toBe(before.value.dataSync()[0]);
    for (const v of vars) {
      expect(Array.from(now.grads[v.variable.name].dataSync()), v.name).toEqual(Array.from(before.grads[v.variable.name].dataSync()));
    }
    tf.dispose([now.value, before.value, ...Object.values(now.grads), ...Object.values(before.grads), ...saved, ...views]);
    byol.dispose();
  });

  it('MoCo: same loss and gradients as the key encoder on the tape, and no op reads a key variable on the tape', () => {
    const make = () => new Moco(createSmallResNet({ widths: [4, 8], blocks: 1, inChannels: 1 }, 3), {
      projector: { hidden: 16, out: 8, norm: 'none' }, queueSize: 8, bnGroups: 2,
    }, 5);
    // two identical instances (same seeds): one runs the loss as it is, one as it was
    const a = make();
    const b = make();
    const views = randomViews(4, 8, 1, 31);
    let readsNow = -1;
    const now = tf.variableGrads(() => {
      const l = a.loss(views, info);
      readsNow = tapedReadsOf(a.key);
      return l;
    }, a.trainable().map((v) => v.variable));
    let readsBefore = -1;
    const before = tf.variableGrads(() => {
      const rng = (b as unknown as { rng: SeededRandom }).rng;
      const groups = 2;
      const q = project(b.net, b.net.params, views[0], { bnMode: 'train', bnGroups: groups });
      const k = l2Normalize(withShuffledBatch(views[1], rng, (x) => project(b.net, b.key, x, { bnMode: 'batch-no-update', bnGroups: groups })));
      readsBefore = tapedReadsOf(b.key);
      return infoNceLoss(q, k, b.queue.values as unknown as tf.Tensor2D, b.config.temperature);
    }, b.trainable().map((v) => v.variable));
    expect(readsBefore).toBeGreaterThan(0);
    expect(readsNow).toBe(0);
    expect(now.value.dataSync()[0]).toBe(before.value.dataSync()[0]);
    const bVars = b.trainable();
    a.trainable().forEach((v, i) => {
      expect(Array.from(now.grads[v.variable.name].dataSync()), v.name).toEqual(Array.from(before.grads[bVars[i].variable.name].dataSync()));
    });
    a.onStepEnd(info);
    tf.dispose([now.value, before.value, ...Object.values(now.grads), ...Object.values(before.grads), ...views]);
    for (const m of [a, b]) {
      m.dispose();
      for (const v of m.net.params.values()) v.dispose();
    }
  });

  it('bit-r50x1, LayerNorm heads, LARS: two steps at 16 px, batch 2; tensor count flat, loss finite, target off the tape', () => {
    const t0 = performance.now();
    const backbone = createBackbone('bit-r50x1', {}, 0);
    // the heads the app builds for this backbone (pipeline/pretrain.ts buildMethod, blog recipe)
    const head = { hidden: 1024, out: 128, norm: 'layer' as const };
    const byol = new Byol(backbone, { projector: head, predictor: head, baseMomentum: 0.996 }, 1);
    const opt = new NamedOptimizer({ kind: 'lars', weightDecay: 1.5e-6 });
    const views = randomViews(2, 16, 3, 21);
    const vars = byol.trainable();

    let reads = -1;
    const loss = byol.loss.bind(byol);
    byol.loss = (v, i) => {
      const l = loss(v, i);
      reads = tapedReadsOf(byol.target);
      return l;
    };
    const start = tf.memory().numTensors;
    const counts: number[] = [];
    const losses: number[] = [];
    for (let s = 0; s < 2; s++) {
      const r = sslStep(byol, opt, [views], 0.2, { step: s, totalSteps: 10 });
      losses.push(r.loss.dataSync()[0]);
      r.loss.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(reads).toBe(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    // step 1 adds exactly one LARS momentum slot per trainable variable; step 2 adds nothing
    expect(counts[0]).toBe(start + vars.length);
    expect(counts[1]).toBe(counts[0]);
    views.forEach((v) => v.dispose());
    opt.dispose();
    byol.dispose();
    for (const v of backbone.params.values()) v.dispose();
    console.log(`bit-r50x1 BYOL two steps at 16 px: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });
});
