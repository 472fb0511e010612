/**
 * The Fashion-MNIST domain-adaptation protocol's data: source = training images of classes
 * 0–4 (labeled), target = classes 5–9 (training images as the unlabeled pool, a seeded draw of
 * a few labels per class, the test images of those classes as the test set). Images are padded
 * 28 → 32 px with the background value and kept as one grey byte per pixel; batches expand to
 * the 3 channels the augmentation and the backbone read.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadIdxDataset, type IdxDataset } from '../data/idx';
import type { LabeledImages } from '../eval/images';
import { SeededRandom } from '../train/seed';

/** Debian's `dataset-fashion-mnist` location. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const SOURCE_CLASSES = [0, 1, 2, 3, 4];
export const TARGET_CLASSES = [5, 6, 7, 8, 9];
/** side of the padded images */
export const STUDY_SIZE = 32;

/** A set of grey 32×32 images with labels (class index within its domain, −1 when unknown). */
export interface GreySet {
  pixels: Uint8Array;
  labels: Int32Array;
  count: number;
}

/** Both domains of the protocol, before a seed's label draw. */
export interface StudyDomains {
  source: GreySet;
  targetPool: GreySet;
  targetTest: GreySet;
  /** mean and std of the source and target training pixels together, [0, 1] units */
  mean: number;
  std: number;
}

/** Limits for small studies (tests); absent = everything. */
export interface DomainLimits {
  sourcePerClass?: number;
  poolPerClass?: number;
  testPerClass?: number;
}

/** The four IDX files of a Fashion-MNIST folder; throws naming a missing file. */
export function fashionFiles(dir = FASHION_MNIST_DIR): Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', string> {
  const f = {
    trainImages: join(dir, 'train-images-idx3-ubyte.gz'),
    trainLabels: join(dir, 'train-labels-idx1-ubyte.gz'),
    testImages: join(dir, 't10k-images-idx3-ubyte.gz'),
    testLabels: join(dir, 't10k-labels-idx1-ubyte.gz'),
  };
  for (const p of Object.values(f)) {
    if (!existsSync(p)) throw new Error(`${p} is missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data DIR`);
  }
  return f;
}

/** Pads a 28×28 grey image into a 32×32 frame (2 px border of zeros, Fashion-MNIST's background). */
function padInto(out: Uint8Array, offset: number, src: Uint8Array, srcOffset: number, w: number, h: number): void {
  const px = (STUDY_SIZE - w) >> 1;
  const py = (STUDY_SIZE - h) >> 1;
  for (let y = 0; y < h; y++) out.set(src.subarray(srcOffset + y * w, srcOffset + (y + 1) * w), offset + (y + py) * STUDY_SIZE + px);
}

/** Images of `classes` (in file order, at most `perClass` each), labels mapped to class positions. */
export function selectClasses(ds: IdxDataset, classes: number[], perClass?: number): GreySet {
  if (ds.channels !== 1) throw new Error(`${ds.name}: expected grey images, got ${ds.channels} channels`);
  if (ds.width > STUDY_SIZE || ds.height > STUDY_SIZE) throw new Error(`${ds.name}: images are ${ds.width}×${ds.height}, larger than ${STUDY_SIZE}`);
  if (!ds.labels) throw new Error(`${ds.name}: the study needs labels`);
  const taken = new Array<number>(classes.length).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < ds.count; i++) {
    const c = classes.indexOf(ds.labels[i]);
    if (c < 0 || (perClass !== undefined && taken[c] >= perClass)) continue;
    taken[c]++;
    picked.push(i);
  }
  const per = STUDY_SIZE * STUDY_SIZE;
  const pixels = new Uint8Array(picked.length * per);
  const labels = new Int32Array(picked.length);
  const srcPer = ds.width * ds.height;
  picked.forEach((i, j) => {
    padInto(pixels, j * per, ds.pixels, i * srcPer, ds.width, ds.height);
    labels[j] = classes.indexOf(ds.labels![i]);
  });
  return { pixels, labels, count: picked.length };
}

function meanStd(sets: GreySet[]): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (const set of sets) {
    for (let i = 0; i < set.pixels.length; i++) {
      const v = set.pixels[i] / 255;
      s += v;
      s2 += v * v;
    }
    n += set.pixels.length;
  }
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(1e-12, s2 / n - mean * mean)) };
}

/** Loads Fashion-MNIST and builds the source and target domains. */
export async function loadStudyDomains(dir = FASHION_MNIST_DIR, limits: DomainLimits = {}): Promise<StudyDomains> {
  const f = fashionFiles(dir);
  const train = await loadIdxDataset(f.trainImages, f.trainLabels);
  const test = await loadIdxDataset(f.testImages, f.testLabels);
  const source = selectClasses(train, SOURCE_CLASSES, limits.sourcePerClass);
  const targetPool = selectClasses(train, TARGET_CLASSES, limits.poolPerClass);
  const targetTest = selectClasses(test, TARGET_CLASSES, limits.testPerClass);
  return { source, targetPool, targetTest, ...meanStd([source, targetPool]) };
}

/**
 * The seed's labeled draw: `perClass` pool images of every target class, chosen with the seed.
 * Every arm of a seed uses this same draw (the paired design).
 */
export function drawLabeled(pool: GreySet, numClasses: number, perClass: number, seed: number): number[] {
  const rng = new SeededRandom(seed * 7919 + 17);
  const out: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const members: number[] = [];
    for (let i = 0; i < pool.count; i++) if (pool.labels[i] === c) members.push(i);
    if (members.length < perClass) throw new Error(`target class ${c} has ${members.length} images, fewer than the ${perClass} labels asked for`);
    const order = rng.permutation(members.length);
    for (let k = 0; k < perClass; k++) out.push(members[order[k]]);
  }
  return out;
}

/** Grey bytes of images `idx` as a float32 NHWC tensor in [0, 255] with 3 equal channels. */
export function rawBatch(set: GreySet, idx: ArrayLike<number>): tf.Tensor4D {
  const per = STUDY_SIZE * STUDY_SIZE;
  const out = new Float32Array(idx.length * per);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    if (!(i >= 0 && i < set.count)) throw new Error(`image index ${i} is out of range [0, ${set.count})`);
    for (let k = 0; k < per; k++) out[j * per + k] = set.pixels[i * per + k];
  }
  return tf.tidy(() => tf.tile(tf.tensor4d(out, [idx.length, STUDY_SIZE, STUDY_SIZE, 1]), [1, 1, 1, 3]) as tf.Tensor4D);
}

/** Normalises [0, 255] images with the study's mean and std. */
export function normalizeGrey(x255: tf.Tensor4D, mean: number, std: number): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(tf.div(x255, 255), mean), std) as tf.Tensor4D);
}

/**
 * Random 4-px translation (pad-and-crop, wrap-free via zero padding) and horizontal flip of a
 * normalised batch: the supervised training augmentation of base pretraining and fine-tuning.
 */
export function shiftFlip(x: tf.Tensor4D, seed: number, background: number): tf.Tensor4D {
  return tf.tidy(() => {
    const rng = new SeededRandom(seed);
    const [n, h, w, c] = x.shape;
    const padded = tf.pad(tf.sub(x, background), [[0, 0], [4, 4], [4, 4], [0, 0]]);
    const rows: tf.Tensor4D[] = [];
    for (let i = 0; i < n; i++) {
      const dy = rng.int(9);
      const dx = rng.int(9);
      let img = tf.slice(padded, [i, dy, dx, 0], [1, h, w, c]) as tf.Tensor4D;
      if (rng.next() < 0.5) img = tf.reverse(img, 2);
      rows.push(img);
    }
    return tf.add(tf.concat(rows, 0), background) as tf.Tensor4D;
  });
}

/** A labeled subset of a grey set as `LabeledImages` (normalised; optional shift-and-flip augmentation). */
export function labeledImages(set: GreySet, indices: number[], numClasses: number, mean: number, std: number): LabeledImages {
  const labels = Int32Array.from(indices, (i) => set.labels[i]);
  labels.forEach((y, j) => {
    if (!(y >= 0 && y < numClasses)) throw new Error(`image ${indices[j]} has label ${y}, not in [0, ${numClasses})`);
  });
  const background = (0 - mean) / std;
  return {
    size: indices.length,
    labels,
    numClasses,
    batch(pos, opts = {}) {
      return tf.tidy(() => {
        const x = normalizeGrey(rawBatch(set, Array.from(pos, (p) => indices[p])), mean, std);
        return opts.augment ? shiftFlip(x, opts.seed ?? 0, background) : x;
      });
    },
  };
}

/** Every index 0..n−1. */
export function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
