/**
 * Exponential moving average of one named parameter set into another (BYOL target network,
 * MoCo key encoder).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../models/types';

/** A target set updated as an EMA of an online set. */
export interface MomentumPair {
  target: Params;
  online: Params;
}

/**
 * target ← τ·target + (1 − τ)·online for every name present in both maps (buffers such as BN
 * running statistics included, so the target's eval mode follows the online one).
 * τ = 1 leaves the target untouched. Names missing from `online` or with a different shape
 * are an error, since a silent skip would freeze part of the target.
 */
export function emaUpdate(pair: MomentumPair, tau: number): void {
  if (!(tau >= 0 && tau <= 1)) throw new Error(`emaUpdate: momentum must be in [0, 1], got ${tau}`);
  for (const [name, t] of pair.target) {
    const o = pair.online.get(name);
    if (!o) throw new Error(`emaUpdate: online parameters have no '${name}'`);
    if (o.size !== t.size) throw new Error(`emaUpdate: '${name}' has shape [${o.shape}] online but [${t.shape}] in the target`);
    if (tau === 1) continue;
    tf.tidy(() => t.assign(tau === 0 ? o.clone() : tf.add(tf.mul(tau, t), tf.mul(1 - tau, o))));
  }
}

/** target ← online for every name (used once when a target network is created or reset). */
export function copyParams(pair: MomentumPair): void {
  emaUpdate(pair, 0);
}
