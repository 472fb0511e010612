/**
 * P2X dead-filter replacement (Ciga, Xu et al., "Resource and data efficient self supervised
 * learning", "filter selection"): a conv filter (one output channel) whose
 * Frobenius norm is below 0.1 is dead; it is replaced by a copy of a random live filter of
 * the same layer ("Copy", which beat random re-initialisation in the paper), and the BN
 * channel that follows it takes the live channel's γ, β, μ, σ² too (our default). Run before
 * weight scaling, and never on a model trained from scratch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, ParamSpec, Params } from '../models/types';
import { SeededRandom } from '../train/seed';
import { filterNorms } from './weight-scaling';

/** One layer's replacements, for reports. */
export interface DeadFilterReport {
  conv: string;
  filters: number;
  dead: number;
  /** dead channel → live channel copied into it */
  copies: Array<[number, number]>;
  /** true when every filter was dead: nothing to copy from, layer left as it was */
  allDead: boolean;
}

/** Output-channel axis of a conv kernel: 3 (HWIO), or 2 for a depthwise kernel (HWC1). */
function channelAxis(spec: ParamSpec): number {
  return spec.shape[3] === 1 && spec.shape[2] > 1 ? 2 : 3;
}

/** Replaces dead filters in every conv kernel of the backbone. Deterministic for a seed; norms are read back asynchronously. */
export async function replaceDeadFilters(backbone: Backbone, params: Params, o: { threshold?: number; seed?: number } = {}): Promise<DeadFilterReport[]> {
  const threshold = o.threshold ?? 0.1;
  const rng = new SeededRandom(o.seed ?? 0);
  const bnOf = new Map(backbone.bnLayers.filter((b) => b.conv).map((b) => [b.conv as string, b]));
  const report: DeadFilterReport[] = [];
  for (const spec of backbone.specs) {
    if (spec.role !== 'conv' || spec.shape.length !== 4) continue;
    const w = params.get(spec.name);
    if (!w) throw new Error(`dead filters: parameter '${spec.name}' is missing`);
    const axis = channelAxis(spec);
    const normsT = filterNorms(w, axis);
    let norms: number[];
    try {
      norms = Array.from(await normsT.data());
    } finally {
      normsT.dispose();
    }
    const live = norms.map((n, i) => (n >= threshold ? i : -1)).filter((i) => i >= 0);
    const dead = norms.map((n, i) => (n < threshold ? i : -1)).filter((i) => i >= 0);
    if (dead.length === 0) continue;
    if (live.length === 0) {
      report.push({ conv: spec.name, filters: norms.length, dead: dead.length, copies: [], allDead: true });
      continue;
    }
    // source[c] = channel whose values channel c takes (itself when alive)
    const source = norms.map((_, i) => i);
    const copies: Array<[number, number]> = [];
    for (const d of dead) {
      source[d] = live[rng.int(live.length)];
      copies.push([d, source[d]]);
    }
    const index = tf.tensor1d(source, 'int32');
    tf.tidy(() => {
      w.assign(tf.gather(w, index, axis));
      const bn = bnOf.get(spec.name);
      if (bn) for (const n of [bn.gamma, bn.beta, bn.mean, bn.variance]) {
        const v = params.get(n);
        if (!v) throw new Error(`dead filters: BN parameter '${n}' is missing`);
        v.assign(tf.gather(v, index));
      }
    });
    index.dispose();
    report.push({ conv: spec.name, filters: norms.length, dead: dead.length, copies, allDead: false });
  }
  return report;
}
