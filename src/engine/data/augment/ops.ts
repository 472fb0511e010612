/**
 * Batched, per-sample augmentation ops on the active tfjs backend (tfjs-core ops only).
 * Images are float32 NHWC in [0, 1]; per-sample parameters come as plain arrays.
 * Callers run these inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs-core';

/** ITU-R BT.601 luma weights, as torchvision's rgb_to_grayscale. */
const LUMA = [0.299, 0.587, 0.114];

/** Per-sample crop-and-resize of [N,H,W,C] to [N,size,size,C]; boxes [y1,x1,y2,x2] (x1 > x2 flips). */
export function cropResize(images: tf.Tensor4D, boxes: Float32Array, size: number): tf.Tensor4D {
  const n = images.shape[0];
  const boxInd = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i), 'int32');
  return tf.image.cropAndResize(images, tf.tensor2d(boxes, [n, 4]), boxInd, [size, size], 'bilinear');
}

/** Luma of [N,H,W,3] as [N,H,W,1]. */
export function luma(x: tf.Tensor4D): tf.Tensor4D {
  return tf.conv2d(x, tf.tensor4d(LUMA, [1, 1, 3, 1]), 1, 'valid');
}

const perSample = (v: Float32Array) => tf.tensor4d(v, [v.length, 1, 1, 1]);
const isAll = (v: Float32Array, value: number) => v.every((x) => x === value);

/** RGB→YIQ matrix; its first row is the luma weights. */
const RGB_TO_YIQ = [0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312];

function mul3(a: number[], b: number[]): number[] {
  const o = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) o[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
  return o;
}

function inverse3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det, (f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det, (d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det];
}

/**
 * The quarter-turn part of a hue rotation: a rotation by θ in YIQ space equals
 * L + cos θ·(I − L) + sin θ·A, where L is "luma to all channels" and A = T⁻¹·P·T with P the
 * 90° rotation of the I/Q plane. Row-major, acting on column vectors.
 */
export const HUE_QUARTER = mul3(inverse3(RGB_TO_YIQ), mul3([0, 0, 0, 0, 0, -1, 0, 1, 0], RGB_TO_YIQ));

/** Per-sample coefficients of the fused colour transform out = a·x + b·luma(x) + c·A(x) + e·mean(luma(x)). */
export interface ColorCoefficients {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  e: Float32Array;
}

/**
 * Folds brightness β, contrast κ, saturation ς, hue θ and grayscale (in that order, the
 * torchvision definitions) into four numbers per sample. Exact for the linear chain; the
 * only difference from applying them one by one is that values are clipped to [0, 1]
 * once at the end instead of after every step. `scale` multiplies the input (1/255 for
 * pixel values).
 */
export function colorCoefficients(brightness: Float32Array, contrast: Float32Array, saturation: Float32Array, hueTurns: Float32Array, grayscale: Float32Array, scale = 1): ColorCoefficients {
  const n = brightness.length;
  const out = { a: new Float32Array(n), b: new Float32Array(n), c: new Float32Array(n), e: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const kb = contrast[i] * brightness[i];
    const skb = saturation[i] * kb;
    const theta = 2 * Math.PI * hueTurns[i];
    const cos = Math.cos(theta), sin = Math.sin(theta);
    if (grayscale[i]) {
      out.a[i] = 0; out.b[i] = kb; out.c[i] = 0;
    } else {
      out.a[i] = skb * cos;
      out.b[i] = skb * (1 - cos) + (1 - saturation[i]) * kb;
      out.c[i] = skb * sin;
    }
    out.e[i] = (1 - contrast[i]) * brightness[i];
    out.a[i] *= scale; out.b[i] *= scale; out.c[i] *= scale; out.e[i] *= scale;
  }
  return out;
}

/** True when the coefficients leave every image unchanged apart from `scale`. */
function isPlainScale(k: ColorCoefficients, scale: number): boolean {
  return isAll(k.b, 0) && isAll(k.c, 0) && isAll(k.e, 0) && k.a.every((v) => Math.abs(v - scale) < 1e-12);
}

/** A 1×1 convolution filter applying the row-major 3×3 matrix m to every pixel. */
function pixelMatrix(m: number[]): tf.Tensor4D {
  // conv2d filters are [in, out]: the transpose of the row-major matrix
  return tf.tensor4d([m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]], [1, 1, 3, 3]);
}

const LUMA_TO_ALL = [...LUMA, ...LUMA, ...LUMA];

/**
 * Colour jitter and grayscale in one pass: out = clip(a·x + b·luma(x) + c·A(x) + e·m, 0, 1)
 * with m the image's mean luma. Input in any unit (see colorCoefficients' scale). Every
 * per-sample factor multiplies a full [N,H,W,3] tensor (no channel broadcasting, which is
 * slow on the wasm backend); the fixed colour maps are 1×1 convolutions.
 */
export function colorTransform(x: tf.Tensor4D, k: ColorCoefficients, scale = 1): tf.Tensor4D {
  if (isPlainScale(k, scale)) return scale === 1 ? x : (tf.mul(x, scale) as tf.Tensor4D);
  const lumaAll = tf.conv2d(x, pixelMatrix(LUMA_TO_ALL), 1, 'valid');
  let out: tf.Tensor = tf.add(tf.mul(x, perSample(k.a)), tf.mul(lumaAll, perSample(k.b)));
  if (!isAll(k.c, 0)) out = tf.add(out, tf.mul(tf.conv2d(x, pixelMatrix(HUE_QUARTER), 1, 'valid'), perSample(k.c)));
  if (!isAll(k.e, 0)) out = tf.add(out, tf.mul(tf.mean(lumaAll, [1, 2, 3], true), perSample(k.e)));
  return tf.clipByValue(out, 0, 1) as tf.Tensor4D;
}

/** Solarize where mask = 1: values ≥ 0.5 become 1 − x (computed as x − max(0, 2x − 1)). */
export function randomSolarize(x: tf.Tensor4D, mask: Float32Array): tf.Tensor4D {
  if (isAll(mask, 0)) return x;
  return tf.sub(x, tf.mul(tf.relu(tf.sub(tf.mul(x, 2), 1)), perSample(mask))) as tf.Tensor4D;
}

/** Gaussian taps g[k] ∝ exp(−k²/2σ²) for k = 0..radius (unnormalised), for checking the blur. */
export function gaussianReference(sigma: number, radius: number): number[] {
  return Array.from({ length: radius + 1 }, (_, k) => Math.exp(-(k * k) / (2 * sigma * sigma)));
}

/** Number of 3-tap passes that give every sigma up to `maxSigma` (one pass has variance ≤ 2/3). */
export function blurPasses(maxSigma: number): number {
  return Math.max(1, Math.ceil((maxSigma * maxSigma) / (2 / 3) - 1e-9));
}

/**
 * Gaussian blur with a different sigma per sample (0 = untouched), separable. Each pass
 * per axis applies the 3-tap kernel [t, 1 − 2t, t] with t = σ²/(2·passes), as
 * x + 3t·(avg3(x) − x) with a shared 3-wide average pool; the passes add up to the exact
 * variance σ² and approach the Gaussian's shape (one pass already for σ ≤ 0.8 px; a 224-px
 * view with σ = 2 takes six).
 */
export function randomGaussianBlur(x: tf.Tensor4D, sigmas: Float32Array): tf.Tensor4D {
  if (isAll(sigmas, 0)) return x;
  const passes = blurPasses(sigmas.reduce((m, s) => Math.max(m, s), 0));
  const w = perSample(sigmas.map((s) => (3 * s * s) / (2 * passes)));
  let y = x;
  for (let p = 0; p < passes; p++) {
    y = tf.add(y, tf.mul(tf.sub(tf.avgPool(y, [3, 1], 1, 'same'), y), w)) as tf.Tensor4D;
    y = tf.add(y, tf.mul(tf.sub(tf.avgPool(y, [1, 3], 1, 'same'), y), w)) as tf.Tensor4D;
  }
  return y;
}

/**
 * (x − mean) / std per channel, with the dataset's own statistics in [0, 1] units; done as
 * a 1×1 convolution with bias (a per-channel broadcast is slow on the wasm backend).
 */
export function normalize(x: tf.Tensor4D, mean: ArrayLike<number>, std: ArrayLike<number>): tf.Tensor4D {
  const inv = Array.from(std, (v) => 1 / v);
  const filter = pixelMatrix([inv[0], 0, 0, 0, inv[1], 0, 0, 0, inv[2]]);
  const bias = tf.tensor1d(Array.from(mean, (m, c) => -m * inv[c]));
  return tf.fused.conv2d({ x, filter, strides: 1, pad: 'valid', bias });
}
