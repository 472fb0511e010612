import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../../../src/engine/backend/index';
import { SeededRandom } from '../../../src/engine/train/seed';
import { augmentViews, applyView } from '../../../src/engine/data/augment/pipeline';
import { sampleBeta, sampleViewParams, sampleCropBox } from '../../../src/engine/data/augment/params';
import { BYOL_VIEW1, BYOL_VIEW2, MOCO_V2, CENTER, CROP_ONLY, validatePolicy, type ViewPolicy } from '../../../src/engine/data/augment/policies';
import { randomGaussianBlur, randomSolarize, colorCoefficients, colorTransform, gaussianReference } from '../../../src/engine/data/augment/ops';
import { cutMix } from '../../../src/engine/data/augment/cutmix';
import { mixup } from '../../../src/engine/data/augment/mixup';
import { loadIdxDataset, idxImage } from '../../../src/engine/data/idx';
import { patternImage } from '../../fixtures/images/generate';

const SIZE = 32;
let batch: Uint8Array; // 8 real images, 32×32×3: 4 decoded JPEGs + 4 Fashion-MNIST frames
const shape: [number, number, number, number] = [8, SIZE, SIZE, 3];
const ID = { mean: [0, 0, 0], std: [1, 1, 1] };

beforeAll(async () => {
  batch = new Uint8Array(8 * SIZE * SIZE * 3);
  for (let i = 0; i < 4; i++) {
    const { data } = await sharp(await patternImage(48, 40, i)).resize(SIZE, SIZE).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    batch.set(data, i * SIZE * SIZE * 3);
  }
  const fm = await loadIdxDataset(join('/usr/share/datasets/fashion-mnist', 't10k-images-idx3-ubyte.gz'));
  for (let i = 0; i < 4; i++) {
    const { data } = await sharp(idxImage(fm, i), { raw: { width: 28, height: 28, channels: 1 } }).resize(SIZE, SIZE).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    batch.set(data, (4 + i) * SIZE * SIZE * 3);
  }
  await tf.setBackend('cpu');
});

const views = (policies: ViewPolicy[], seed: number, out = 24) => augmentViews(batch, shape, policies, { outSize: out, ...ID, rng: new SeededRandom(seed) });
const arr = (t: tf.Tensor) => Array.from(t.dataSync());

describe('parameters', () => {
  it('crop boxes stay inside the image with area in the scale range', () => {
    const rng = new SeededRandom(1);
    for (let k = 0; k < 500; k++) {
      const [top, left, h, w] = sampleCropBox(rng, 40, 60, [0.2, 1], [3 / 4, 4 / 3]);
      expect(top).toBeGreaterThanOrEqual(0);
      expect(left + w).toBeLessThanOrEqual(60);
      expect(top + h).toBeLessThanOrEqual(40);
      expect((h * w) / 2400).toBeGreaterThan(0.15);
    }
  });
  it('probabilities roughly match the policy', () => {
    const p = sampleViewParams(BYOL_VIEW2, 4000, 32, 32, 32, new SeededRandom(3));
    const rate = (a: Float32Array, f: (v: number) => boolean) => a.filter(f).length / a.length;
    expect(rate(p.solarize, (v) => v === 1)).toBeCloseTo(0.2, 1);
    expect(rate(p.grayscale, (v) => v === 1)).toBeCloseTo(0.2, 1);
    expect(rate(p.blurSigma, (v) => v > 0)).toBeCloseTo(0.1, 1);
    expect(rate(p.brightness, (v) => v !== 1)).toBeCloseTo(0.8, 1);
    let flips = 0;
    for (let i = 0; i < 4000; i++) if (p.boxes[i * 4 + 1] > p.boxes[i * 4 + 3]) flips++;
    expect(flips / 4000).toBeCloseTo(0.5, 1);
  });
  it('rejects bad policies by field', () => {
    expect(() => validatePolicy({ ...MOCO_V2, crop: { scale: [0, 1], ratio: [1, 1] } })).toThrow(/crop.scale/);
    expect(() => validatePolicy({ ...MOCO_V2, grayscaleP: 2 })).toThrow(/grayscaleP/);
  });
});

describe('ops', () => {
  it('centre policy is the identity; a flipped full box mirrors the image', () => {
    const [v] = views([CENTER], 1, SIZE);
    const x = tf.tensor4d(Float32Array.from(batch, (b) => b / 255), shape);
    expect(Math.max(...arr(tf.abs(tf.sub(v, x))))).toBeLessThan(1e-3); // boxes sit 1e-5 inside the edges
    const p = sampleViewParams({ ...CENTER, flipP: 1 }, 8, SIZE, SIZE, SIZE, new SeededRandom(0));
    const flipped = applyView(tf.mul(x, 255) as tf.Tensor4D, p, SIZE);
    expect(Math.max(...arr(tf.abs(tf.sub(flipped, tf.reverse(x, 2)))))).toBeLessThan(1e-3);
    tf.dispose([v, x, flipped]);
  });
  it('the fused colour transform equals brightness → contrast → saturation → hue → grayscale applied one by one', () => {
    const n = 8;
    const rng = new SeededRandom(9);
    const f = (lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
    const br = f(0.8, 1.1), co = f(0.7, 1.2), sa = f(0.6, 1.4), hu = f(-0.1, 0.1);
    const gr = new Float32Array([0, 1, 0, 0, 1, 0, 0, 0]);
    const x = tf.tensor4d(Float32Array.from(batch, (b) => b * (0.8 / 255) + 0.1), shape); // stays off the clip bounds
    const got = colorTransform(x, colorCoefficients(br, co, sa, hu, gr)).arraySync() as number[][][][];
    const xs = x.arraySync() as number[][][][];
    // reference: each op on its own, per pixel (torchvision's definitions; hue as a YIQ rotation)
    const luma = (p: number[]) => 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    const T = [[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]];
    const Ti = invert3(T);
    for (let i = 0; i < n; i++) {
      let meanL = 0;
      for (const row of xs[i]) for (const p of row) meanL += luma(p) * br[i];
      meanL /= SIZE * SIZE;
      for (const [yy, xx] of [[0, 0], [5, 7], [31, 31], [17, 3]]) {
        let p = xs[i][yy][xx].map((v) => v * br[i]);
        p = p.map((v) => (v - meanL) * co[i] + meanL);
        const l = luma(p);
        p = p.map((v) => (v - l) * sa[i] + l);
        const yiq = T.map((r) => r[0] * p[0] + r[1] * p[1] + r[2] * p[2]);
        const a = 2 * Math.PI * hu[i];
        const rot = [yiq[0], Math.cos(a) * yiq[1] - Math.sin(a) * yiq[2], Math.sin(a) * yiq[1] + Math.cos(a) * yiq[2]];
        p = Ti.map((r) => r[0] * rot[0] + r[1] * rot[1] + r[2] * rot[2]);
        if (gr[i]) p = [luma(p), luma(p), luma(p)];
        p = p.map((v) => Math.min(1, Math.max(0, v)));
        for (let c = 0; c < 3; c++) expect(got[i][yy][xx][c]).toBeCloseTo(p[c], 4);
      }
    }
    // contrast 0 flattens an image to its mean luma
    const one = new Float32Array(n).fill(1), zero = new Float32Array(n);
    const flat = colorTransform(x, colorCoefficients(one, zero, one, zero, zero));
    const f0 = arr(tf.slice(flat, [0, 0, 0, 0], [1, SIZE, SIZE, 3]));
    expect(Math.max(...f0) - Math.min(...f0)).toBeLessThan(1e-5);
    // a full hue turn is the identity; half a turn is not
    const turn = colorTransform(x, colorCoefficients(one, one, one, one, zero));
    expect(Math.max(...arr(tf.abs(tf.sub(turn, x))))).toBeLessThan(1e-4);
    const half = colorTransform(x, colorCoefficients(one, one, one, new Float32Array(n).fill(0.5), zero));
    expect(Math.max(...arr(tf.abs(tf.sub(half, x))))).toBeGreaterThan(0.1);
    // solarize
    const s = randomSolarize(x, new Float32Array([1, 0, 1, 0, 1, 0, 1, 0]));
    const xa = arr(x), sv = arr(s);
    const per = SIZE * SIZE * 3;
    for (let k = 0; k < xa.length; k += 97) {
      const on = Math.floor(k / per) % 2 === 0;
      expect(sv[k]).toBeCloseTo(on && xa[k] >= 0.5 ? 1 - xa[k] : xa[k], 5);
    }
    tf.dispose([x, flat, turn, half, s]);
  });
  it('blur uses each sample its own sigma and smooths', () => {
    const x = tf.tensor4d(Float32Array.from(batch, (b) => b / 255), shape);
    const sig = new Float32Array([2, 0, 1, 0, 2, 0, 0.5, 0]);
    const b = randomGaussianBlur(x, sig);
    // an impulse spreads with the requested variance, close to the Gaussian's taps
    const N = 25, C = 12;
    const impulse = new Float32Array(2 * N * N * 3);
    impulse[(C * N + C) * 3] = 1;
    impulse[N * N * 3 + (C * N + C) * 3] = 1;
    const resp = randomGaussianBlur(tf.tensor4d(impulse, [2, N, N, 3]), new Float32Array([0.5, 1.5])).arraySync() as number[][][][];
    for (const [i, sigma] of [[0, 0.5], [1, 1.5]]) {
      let v = 0, total = 0;
      for (let yy = 0; yy < N; yy++) for (let xx = 0; xx < N; xx++) { total += resp[i][yy][xx][0]; v += resp[i][yy][xx][0] * (xx - C) ** 2; }
      expect(total).toBeCloseTo(1, 4);
      expect(v).toBeCloseTo(sigma * sigma, 3);
      const g = gaussianReference(sigma, 7);
      for (let k = 0; k <= 3; k++) expect(Math.abs(resp[i][C][C + k][0] / resp[i][C][C][0] - g[k] / g[0])).toBeLessThan(0.12);
    }
    const diff = tf.sum(tf.abs(tf.sub(b, x)), [1, 2, 3]).dataSync();
    expect(diff[1]).toBeLessThan(1e-4);
    expect(diff[0]).toBeGreaterThan(1);
    // total variation of a Fashion-MNIST frame (sample 4, sigma 2) drops
    const tv = (t: tf.Tensor4D) => tf.sum(tf.abs(tf.sub(tf.slice(t, [4, 1, 0, 0], [1, SIZE - 1, SIZE, 3]), tf.slice(t, [4, 0, 0, 0], [1, SIZE - 1, SIZE, 3])))).dataSync()[0];
    expect(tv(b)).toBeLessThan(tv(x) * 0.8);
    tf.dispose([x, b]);
  });
});

describe('pipelines', () => {
  it('are seeded, give different views, and do not leak tensors', () => {
    const a = views([BYOL_VIEW1, BYOL_VIEW2], 5);
    const b = views([BYOL_VIEW1, BYOL_VIEW2], 5);
    const c = views([BYOL_VIEW1, BYOL_VIEW2], 6);
    expect(a[0].shape).toEqual([8, 24, 24, 3]);
    expect(arr(a[0])).toEqual(arr(b[0]));
    expect(arr(a[1])).toEqual(arr(b[1]));
    expect(arr(a[0])).not.toEqual(arr(c[0]));
    expect(arr(a[0])).not.toEqual(arr(a[1]));
    tf.dispose([...a, ...b, ...c]);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) tf.dispose(views([MOCO_V2, CROP_ONLY], k));
    expect(tf.memory().numTensors).toBe(before);
  });
  it('normalise with the dataset statistics', () => {
    const [v] = augmentViews(batch, shape, [CENTER], { outSize: SIZE, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5], rng: new SeededRandom(1) });
    const x = Float32Array.from(batch, (b) => b / 255);
    const out = v.dataSync();
    expect(out[0]).toBeCloseTo((x[0] - 0.5) / 0.2, 3);
    expect(out[2]).toBeCloseTo((x[2] - 0.3) / 0.5, 3);
    v.dispose();
  });
  it('wasm gives the cpu result', async () => {
    const cpu = views([MOCO_V2, BYOL_VIEW2], 11).map(arr);
    await initBackend({ force: 'wasm' });
    try {
      const wasm = views([MOCO_V2, BYOL_VIEW2], 11).map(arr);
      for (let v = 0; v < 2; v++) {
        let maxErr = 0;
        for (let i = 0; i < cpu[v].length; i++) maxErr = Math.max(maxErr, Math.abs(cpu[v][i] - wasm[v][i]));
        expect(maxErr).toBeLessThan(1e-3);
      }
    } finally {
      await tf.setBackend('cpu');
    }
  });
});

describe('cutmix', () => {
  it('pastes partner boxes and reports λ as the own-pixel share', () => {
    const x = tf.tensor4d(Float32Array.from(batch, (b) => b / 255), shape);
    const r = cutMix(x, 1.0, new SeededRandom(4));
    const before = tf.memory().numTensors;
    const m = r.mixed.arraySync() as number[][][][];
    const xa = x.arraySync() as number[][][][];
    for (let i = 0; i < 8; i++) {
      const [y1, x1, y2, x2] = r.boxes.subarray(i * 4, i * 4 + 4);
      const j = r.permutation[i];
      let own = 0;
      for (let yy = 0; yy < SIZE; yy++) for (let xx = 0; xx < SIZE; xx++) {
        const inBox = yy >= y1 && yy < y2 && xx >= x1 && xx < x2;
        expect(m[i][yy][xx][1]).toBeCloseTo(inBox ? xa[j][yy][xx][1] : xa[i][yy][xx][1], 5);
        if (!inBox) own++;
      }
      if (j !== i) expect(r.lambda[i]).toBeCloseTo(own / (SIZE * SIZE), 5);
    }
    expect([...r.permutation].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    tf.dispose([x, r.mixed]);
    expect(tf.memory().numTensors).toBe(before - 2);
  });
});

describe('mixup', () => {
  it('blends each image and its one-hot label with one partner by the same λ, and repeats with the seed', () => {
    const x = tf.tensor4d(Float32Array.from(batch, (b) => b / 255), shape);
    const labels = [0, 1, 2, 0, 1, 2, 0, 1];
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32')) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const r = mixup(x, y, 0.4, new SeededRandom(9));
    expect(tf.memory().numTensors).toBe(before + 2);
    // the same draws as mixup's: λ first, then the partner permutation
    const rng = new SeededRandom(9);
    expect(sampleBeta(rng, 0.4, 0.4)).toBe(r.lambda);
    const partner = rng.permutation(8);
    expect(partner.some((p, i) => p !== i)).toBe(true);
    expect(r.lambda).toBeGreaterThan(0);
    expect(r.lambda).toBeLessThan(1);
    const xa = x.arraySync() as number[][][][];
    const mx = r.x.arraySync() as number[][][][];
    const my = r.y.arraySync() as number[][];
    for (let i = 0; i < 8; i++) {
      const j = partner[i];
      const expected = [0, 1, 2].map((c) => r.lambda * (labels[i] === c ? 1 : 0) + (1 - r.lambda) * (labels[j] === c ? 1 : 0));
      my[i].forEach((v, c) => expect(v).toBeCloseTo(expected[c], 6));
      for (const [yy, xx, c] of [[3, 5, 1], [7, 2, 0], [0, 0, 2]]) expect(mx[i][yy][xx][c]).toBeCloseTo(r.lambda * xa[i][yy][xx][c] + (1 - r.lambda) * xa[j][yy][xx][c], 5);
      expect(my[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    const again = mixup(x, y, 0.4, new SeededRandom(9));
    expect(again.lambda).toBe(r.lambda);
    expect(again.x.arraySync()).toEqual(mx);
    expect(() => mixup(x, y, 0, new SeededRandom(1))).toThrow(/alpha must be > 0/);
    tf.dispose([x, y, r.x, r.y, again.x, again.y]);
  });
});

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [[(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det], [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det], [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]];
}
