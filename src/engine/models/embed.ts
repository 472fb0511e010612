/**
 * Pooled features (and logits) of a model in eval mode, batch by batch, for images decoded
 * directly with sharp or for an already-normalised NHWC array.
 */
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, HeadSpec, Params } from './types';
import { headForward } from './heads';

/** Image extensions sharp decodes. */
const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif']);

/** Sorted image files directly inside `dir`. */
export function listImages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && IMAGE_EXT.has(extname(e.name).toLowerCase()))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * Decodes one image to size×size RGB (resize the shorter side, centre crop), scaled to [0,1]
 * and normalised per channel; returns HWC float32.
 */
export async function decodeImage(path: string, size: number, mean: number[], std: number[]): Promise<Float32Array> {
  let raw: Buffer;
  try {
    raw = await sharp(path).rotate().resize(size, size, { fit: 'cover' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  } catch (e) {
    throw new Error(`${path}: cannot decode image (${(e as Error).message})`);
  }
  if (raw.length !== size * size * 3) throw new Error(`${path}: decoded to ${raw.length} bytes, expected ${size * size * 3}`);
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const c = i % 3;
    out[i] = (raw[i] / 255 - mean[c]) / std[c];
  }
  return out;
}

/** A model to embed with: a backbone and an optional classifier head. */
export interface EmbedModel {
  backbone: Backbone;
  head?: { prefix: string; spec: HeadSpec; params: Params };
}

/** Runs batches of NHWC input through the model in eval mode; returns features [N, D] and logits [N, C]. */
export async function embedArrays(
  model: EmbedModel,
  batches: AsyncIterable<{ data: Float32Array; shape: [number, number, number, number] }>,
): Promise<{ features: Float32Array; logits?: Float32Array; count: number }> {
  const feats: Float32Array[] = [];
  const logits: Float32Array[] = [];
  let count = 0;
  for await (const b of batches) {
    const [f, l] = tf.tidy(() => {
      const x = tf.tensor4d(b.data, b.shape);
      const f = model.backbone.forwardFeatures(model.backbone.params, x, { bnMode: 'eval' });
      const l = model.head ? headForward(model.head.params, model.head.prefix, model.head.spec, f, { bnMode: 'eval' }) : undefined;
      return [f, l] as const;
    });
    feats.push((await f.data()) as Float32Array);
    if (l) logits.push((await l.data()) as Float32Array);
    tf.dispose([f, l].filter((t): t is tf.Tensor2D => t !== undefined));
    count += b.shape[0];
  }
  const concat = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  return { features: concat(feats), logits: model.head ? concat(logits) : undefined, count };
}

/** Batches of decoded images. */
export async function* imageBatches(files: string[], size: number, batch: number, mean: number[], std: number[]) {
  for (let i = 0; i < files.length; i += batch) {
    const part = files.slice(i, i + batch);
    const data = new Float32Array(part.length * size * size * 3);
    for (let j = 0; j < part.length; j++) data.set(await decodeImage(part[j], size, mean, std), j * size * size * 3);
    yield { data, shape: [part.length, size, size, 3] as [number, number, number, number] };
  }
}

/** Batches of rows of an NHWC array. */
export async function* arrayBatches(data: Float32Array, shape: number[], batch: number) {
  const [n, h, w, c] = shape;
  const per = h * w * c;
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    yield { data: data.subarray(i * per, (i + m) * per), shape: [m, h, w, c] as [number, number, number, number] };
  }
}
