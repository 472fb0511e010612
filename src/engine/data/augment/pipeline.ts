/**
 * View pipelines: a uint8 NHWC batch in, one normalised float32 tensor per view out.
 * Order per view: crop+flip, colour jitter (brightness, contrast, saturation, hue, in that
 * fixed order, unlike torchvision's random order) and grayscale fused into one per-sample
 * linear map clipped once, blur, solarize, normalise.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '../../train/seed';
import { sampleViewParams, type ViewParams } from './params';
import { validatePolicy, type ViewPolicy } from './policies';
import { colorCoefficients, colorTransform, cropResize, normalize, randomGaussianBlur, randomSolarize } from './ops';

export interface AugmentOptions {
  /** output side in pixels */
  outSize: number;
  /** the dataset's per-channel mean and std in [0, 1] units (from the decode cache) */
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
  rng: SeededRandom;
}

/** Applies one view's sampled parameters to float images in [0, 255]; output in [0, 1]. */
export function applyView(images255: tf.Tensor4D, p: ViewParams, outSize: number): tf.Tensor4D {
  const cropped = cropResize(images255, p.boxes, outSize);
  const k = colorCoefficients(p.brightness, p.contrast, p.saturation, p.hue, p.grayscale, 1 / 255);
  let x = colorTransform(cropped, k, 1 / 255);
  x = randomGaussianBlur(x, p.blurSigma);
  x = randomSolarize(x, p.solarize);
  return x;
}

/** Turns a uint8 NHWC batch into a float32 tensor of pixel values in [0, 255]. */
export function batchTensor(pixels: Uint8Array, shape: [number, number, number, number]): tf.Tensor4D {
  const [n, h, w, c] = shape;
  if (pixels.length !== n * h * w * c) throw new Error(`batch has ${pixels.length} bytes, shape [${shape}] needs ${n * h * w * c}`);
  if (c !== 3) throw new Error(`augmentation expects 3 channels, got ${c}`);
  return tf.tensor4d(Float32Array.from(pixels), shape);
}

/**
 * Produces one augmented, normalised view per policy from the same batch. The caller owns
 * (and disposes) the returned tensors; every intermediate is freed.
 */
export function augmentViews(pixels: Uint8Array, shape: [number, number, number, number], policies: ViewPolicy[], opts: AugmentOptions): tf.Tensor4D[] {
  for (const p of policies) validatePolicy(p);
  if (!(Number.isInteger(opts.outSize) && opts.outSize >= 2)) throw new Error(`outSize must be an integer ≥ 2, got ${opts.outSize}`);
  const [n, h, w] = shape;
  const params = policies.map((p) => sampleViewParams(p, n, h, w, opts.outSize, opts.rng));
  return tf.tidy(() => {
    const images = batchTensor(pixels, shape);
    return params.map((p) => normalize(applyView(images, p, opts.outSize), opts.mean, opts.std));
  });
}
