/**
 * Seeded, PyTorch-like parameter initialisation. Every variable gets its own seed derived
 * from the model seed and its name, so adding a layer does not change the others.
 */
import * as tf from '@tensorflow/tfjs-core';

/** FNV-1a hash of a string, 32 bits. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The seed of one named variable within a model built with `seed`. */
export function paramSeed(seed: number, name: string): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ hashName(name)) >>> 0;
}

/**
 * Kaiming (He) normal for a conv kernel in HWIO (or depthwise HWC1) layout, fan-out mode as
 * torchvision's ResNet: std = sqrt(2 / (kh * kw * outChannels)).
 */
export function kaimingNormalConv(shape: number[], seed: number): tf.Tensor {
  const [kh, kw, , out] = shape;
  const fanOut = kh * kw * out;
  return tf.randomNormal(shape, 0, Math.sqrt(2 / fanOut), 'float32', seed);
}

/** PyTorch's default nn.Linear init: U(-1/sqrt(fanIn), 1/sqrt(fanIn)), for kernels [in, out] and biases. */
export function linearUniform(shape: number[], fanIn: number, seed: number): tf.Tensor {
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  return tf.randomUniform(shape, -bound, bound, 'float32', seed);
}
