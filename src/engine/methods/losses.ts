/**
 * Self-supervised losses as pure functions of embeddings. Each takes tensors and returns a
 * scalar; none reads or writes variables, so they can be called inside a gradient tape and
 * tested on hand-made inputs.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Row-wise L2 normalisation with a small floor on the norm (avoids 0/0 for zero rows). */
export function l2Normalize(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), eps);
    return tf.div(x, norm) as tf.Tensor2D;
  });
}

/**
 * BYOL regression loss, one direction: mean over the batch of 2 − 2·cos(p, z).
 * Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020, eq. 2. `z` is the target
 * projection; the caller guarantees no gradient reaches it (target params are not trained).
 */
export function byolRegressionLoss(p: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const cos = tf.sum(tf.mul(l2Normalize(p), l2Normalize(z)), 1);
    return tf.mean(tf.sub(2, tf.mul(2, cos))) as tf.Scalar;
  });
}

/**
 * Symmetrised BYOL loss (Grill et al. 2020, eq. 4): L(p1, z2) + L(p2, z1), where p_i is the
 * online prediction of view i and z_i the target projection of view i.
 */
export function byolSymmetricLoss(p1: tf.Tensor2D, p2: tf.Tensor2D, z1: tf.Tensor2D, z2: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.add(byolRegressionLoss(p1, z2), byolRegressionLoss(p2, z1)) as tf.Scalar);
}

/** Mean over rows of logsumexp(logits) − logits[i, target_i] (cross-entropy with hard labels). */
function crossEntropyRows(logits: tf.Tensor2D, positive: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.sub(tf.logSumExp(logits, 1), positive) as tf.Tensor1D);
}

/**
 * Per-sample InfoNCE of MoCo: −log( exp(q·k⁺/τ) / (exp(q·k⁺/τ) + Σ_j exp(q·n_j/τ)) ).
 * He et al., "Momentum Contrast for Unsupervised Visual Representation Learning", CVPR 2020,
 * eq. 1; Chen et al., "Improved Baselines with Momentum Contrastive Learning" (MoCo v2).
 * q, kPos: [N, D], negatives: [K, D]; all are L2-normalised here.
 */
export function infoNcePerSample(q: tf.Tensor2D, kPos: tf.Tensor2D, negatives: tf.Tensor2D, temperature: number): tf.Tensor1D {
  return tf.tidy(() => {
    const qn = l2Normalize(q);
    const pos = tf.sum(tf.mul(qn, l2Normalize(kPos)), 1, true); // [N,1]
    const neg = tf.matMul(qn, l2Normalize(negatives), false, true); // [N,K]
    const logits = tf.div(tf.concat([pos, neg], 1), temperature) as tf.Tensor2D;
    return crossEntropyRows(logits, tf.reshape(tf.div(pos, temperature), [-1]) as tf.Tensor1D);
  });
}

/** MoCo InfoNCE loss averaged over the batch (see `infoNcePerSample`). */
export function infoNceLoss(q: tf.Tensor2D, kPos: tf.Tensor2D, negatives: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => tf.mean(infoNcePerSample(q, kPos, negatives, temperature)) as tf.Scalar);
}

/**
 * UFT's mixed two-positive InfoNCE for a CutMix query q_m = M⊙q_a + (1−M)⊙q_b:
 * λ·InfoNCE(q_m, k_a, queue) + (1−λ)·InfoNCE(q_m, k_b, queue), each with its own denominator.
 * Unsupervised Finetuning (UFT), section "data mixing"; the positives k_b are the keys of
 * the permuted batch (`permutation[i]` is the partner of sample i). λ is the area ratio of
 * q_a, one number for the batch or one per sample. With λ = 1 it is plain InfoNCE.
 */
export function mixedInfoNceLoss(
  qMixed: tf.Tensor2D,
  keys: tf.Tensor2D,
  permutation: ArrayLike<number>,
  negatives: tf.Tensor2D,
  temperature: number,
  lambda: number | tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const perm = tf.tensor1d(Array.from(permutation), 'int32');
    const keysB = tf.gather(keys, perm) as tf.Tensor2D;
    const la = infoNcePerSample(qMixed, keys, negatives, temperature);
    const lb = infoNcePerSample(qMixed, keysB, negatives, temperature);
    const lam = typeof lambda === 'number' ? tf.scalar(lambda) : lambda;
    return tf.mean(tf.add(tf.mul(lam, la), tf.mul(tf.sub(1, lam), lb))) as tf.Scalar;
  });
}

/**
 * NT-Xent over 2N views (SimCLR): for each of the 2N embeddings the positive is the other
 * view of the same image and the negatives are the other 2N−2 embeddings.
 * Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations",
 * ICML 2020, eq. 1. Symmetric in (z1, z2).
 */
export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const n = z1.shape[0];
    const z = l2Normalize(tf.concat([z1, z2], 0) as tf.Tensor2D);
    const sim = tf.div(tf.matMul(z, z, false, true), temperature) as tf.Tensor2D; // [2N,2N]
    const selfMask = tf.mul(tf.eye(2 * n), -1e9);
    const logits = tf.add(sim, selfMask) as tf.Tensor2D;
    const partner = tf.tensor1d([...Array.from({ length: n }, (_, i) => i + n), ...Array.from({ length: n }, (_, i) => i)], 'int32');
    const positive = tf.sum(tf.mul(sim, tf.oneHot(partner, 2 * n)), 1) as tf.Tensor1D;
    return tf.mean(crossEntropyRows(logits, positive)) as tf.Scalar;
  });
}

/**
 * SwAV swapped prediction for one pair: −Σ_k q_k · log softmax(p / τ)_k averaged over the batch,
 * where `codes` are Sinkhorn assignments of the other view (no gradient) and `scores` the
 * prototype scores of this view. Caron et al., "Unsupervised Learning of Visual Features by
 * Contrasting Cluster Assignments", NeurIPS 2020, eq. 2–3.
 */
export function swavSwappedLoss(codes: tf.Tensor2D, scores: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logProb = tf.logSoftmax(tf.div(scores, temperature) as tf.Tensor2D);
    return tf.neg(tf.mean(tf.sum(tf.mul(codes, logProb), 1))) as tf.Scalar;
  });
}
