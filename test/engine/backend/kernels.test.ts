/**
 * The wasm training kernels against the cpu backend's reference kernels on random inputs,
 * over strides, paddings (same / valid / explicit), dilations, odd sizes and channel multipliers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../src/engine/backend/index';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

/** Deterministic pseudo-random values in [-1, 1). */
function randomValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Runs one kernel on a backend with inputs given as plain arrays; returns its values. */
async function runOn(
  backend: string,
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ins: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ins[k] = tf.tensor(v.values, v.shape);
    const out = tf.engine().runKernel(kernel, ins as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

async function compare(kernel: string, inputs: Parameters<typeof runOn>[2], attrs: Record<string, unknown>) {
  const ref = await runOn('cpu', kernel, inputs, attrs);
  const got = await runOn('wasm', kernel, inputs, attrs);
  expect(got.shape).toEqual(ref.shape);
  const err = relativeError(got.values, ref.values);
  expect(err, `${kernel} ${JSON.stringify(attrs)}`).toBeLessThan(1e-4);
  // the reference is not trivially zero, so the comparison can fail
  expect(ref.values.some((v) => Math.abs(v) > 1e-3)).toBe(true);
}

interface ConvCase {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: [number, number];
  s: [number, number];
  pad: Pad;
}

const explicitPad: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [0, 1], [0, 0]];
const convCases: ConvCase[] = [
  { n: 2, h: 7, w: 5, ci: 3, co: 4, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, h: 8, w: 8, ci: 4, co: 6, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 1, h: 9, w: 7, ci: 5, co: 3, k: [3, 2], s: [2, 1], pad: 'valid' },
  { n: 3, h: 6, w: 6, ci: 4, co: 5, k: [1, 1], s: [1, 1], pad: 'valid' },
  { n: 2, h: 7, w: 7, ci: 4, co: 5, k: [1, 1], s: [2, 2], pad: 'valid' },
  { n: 2, h: 11, w: 9, ci: 3, co: 4, k: [7, 7], s: [2, 2], pad: 'same' },
  { n: 2, h: 6, w: 7, ci: 3, co: 2, k: [3, 3], s: [1, 1], pad: explicitPad },
  { n: 1, h: 9, w: 8, ci: 2, co: 3, k: [3, 3], s: [3, 2], pad: explicitPad },
  { n: 2, h: 5, w: 5, ci: 3, co: 3, k: [5, 5], s: [1, 1], pad: 'valid' },
];

function outSize(c: ConvCase): [number, number] {
  const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.ci], [c.k[0], c.k[1], c.ci, c.co], c.s, 1, c.pad);
  return [info.outHeight, info.outWidth];
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

describe('Conv2DBackpropFilter on wasm', () => {
  it.each(convCases.map((c, i) => [i, c] as const))('case %i matches the cpu backend', async (i, c) => {
    const [oh, ow] = outSize(c);
    await compare(
      'Conv2DBackpropFilter',
      {
        x: { shape: [c.n, c.h, c.w, c.ci], values: randomValues(c.n * c.h * c.w * c.ci, 11 + i) },
        dy: { shape: [c.n, oh, ow, c.co], values: randomValues(c.n * oh * ow * c.co, 23 + i) },
      },
      { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k[0], c.k[1], c.ci, c.co] },
    );
  });
});

describe('Conv2DBackpropInput on wasm', () => {
  it.each(convCases.map((c, i) => [i, c] as const))('case %i matches the cpu backend', async (i, c) => {
    const [oh, ow] = outSize(c);
    await compare(
      'Conv2DBackpropInput',
      {
        dy: { shape: [c.n, oh, ow, c.co], values: randomValues(c.n * oh * ow * c.co, 31 + i) },
        filter: { shape: [c.k[0], c.k[1], c.ci, c.co], values: randomValues(c.k[0] * c.k[1] * c.ci * c.co, 41 + i) },
      },
      { inputShape: [c.n, c.h, c.w, c.ci], strides: c.s, pad: c.pad, dataFormat: 'NHWC' },
    );
  });
});

interface DwCase {
  n: number;
  h: number;
  w: number;
  c: number;
  q: number;
  k: [number, number];
  s: [number, number];
  d: [number, number];
  pad: Pad;
}

const dwCases: DwCase[] = [
  { n: 2, h: 7, w: 6, c: 5, q: 1, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'same' },
  { n: 2, h: 8, w: 9, c: 4, q: 1, k: [5, 5], s: [2, 2], d: [1, 1], pad: 'same' },
  { n: 1, h: 9, w: 9, c: 3, q: 2, k: [3, 3], s: [1, 1], d: [2, 2], pad: 'valid' },
  { n: 2, h: 8, w: 7, c: 3, q: 3, k: [3, 2], s: [2, 1], d: [1, 1], pad: 'valid' },
  { n: 2, h: 7, w: 7, c: 4, q: 1, k: [3, 3], s: [1, 1], d: [2, 1], pad: explicitPad },
];

function dwOutSize(c: DwCase): [number, number] {
  const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.c], [c.k[0], c.k[1], c.c, c.q], c.s, c.d, c.pad, undefined, true);
  return [info.outHeight, info.outWidth];
}

// tfjs's cpu depthwise gradients ignore dilations (its gradient op forbids them), so those
// cases are checked by the adjoint identity below instead.
const dwUndilated = dwCases.filter((c) => c.d[0] === 1 && c.d[1] === 1);

describe('DepthwiseConv2dNative gradients on wasm', () => {
  it.each(dwUndilated.map((c, i) => [i, c] as const))('filter gradient, case %i', async (i, c) => {
    const [oh, ow] = dwOutSize(c);
    await compare(
      'DepthwiseConv2dNativeBackpropFilter',
      {
        x: { shape: [c.n, c.h, c.w, c.c], values: randomValues(c.n * c.h * c.w * c.c, 51 + i) },
        dy: { shape: [c.n, oh, ow, c.c * c.q], values: randomValues(c.n * oh * ow * c.c * c.q, 61 + i) },
      },
      { strides: c.s, dilations: c.d, pad: c.pad, filterShape: [c.k[0], c.k[1], c.c, c.q] },
    );
  });
  it.each(dwUndilated.map((c, i) => [i, c] as const))('input gradient, case %i', async (i, c) => {
    const [oh, ow] = dwOutSize(c);
    await compare(
      'DepthwiseConv2dNativeBackpropInput',
      {
        dy: { shape: [c.n, oh, ow, c.c * c.q], values: randomValues(c.n * oh * ow * c.c * c.q, 71 + i) },
        filter: { shape: [c.k[0], c.k[1], c.c, c.q], values: randomValues(c.k[0] * c.k[1] * c.c * c.q, 81 + i) },
      },
      { inputShape: [c.n, c.h, c.w, c.c], strides: c.s, dilations: c.d, pad: c.pad },
    );
  });
});

/** Σ a·b in float64. */
function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Adjoint identity: for y = conv(x, W) (cpu forward, which honours dilations),
 * ⟨y, dy⟩ = ⟨x, dX(dy, W)⟩ = ⟨W, dW(x, dy)⟩. Random x, W, dy make a wrong kernel fail.
 */
async function adjointCheck(depthwise: boolean, c: DwCase, seed: number) {
  const outCh = depthwise ? c.q : c.q; // for conv2d, q is the output channel count
  const xShape = [c.n, c.h, c.w, c.c];
  const wShape = [c.k[0], c.k[1], c.c, outCh];
  const x = randomValues(c.n * c.h * c.w * c.c, seed);
  const w = randomValues(c.k[0] * c.k[1] * c.c * outCh, seed + 1);
  await tf.setBackend('cpu');
  const y = tf.tidy(() => {
    const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
    const wt = tf.tensor4d(w, wShape as [number, number, number, number]);
    const out = depthwise
      ? tf.depthwiseConv2d(xt, wt, c.s, c.pad as 'same', 'NHWC', c.d)
      : tf.conv2d(xt, wt, c.s, c.pad as 'same', 'NHWC', c.d);
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
  const dy = randomValues(y.values.length, seed + 2);
  const attrs = { strides: c.s, dilations: c.d, pad: c.pad, dataFormat: 'NHWC' };
  const dW = await runOn(
    'wasm',
    depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter',
    { x: { shape: xShape, values: x }, dy: { shape: y.shape, values: dy } },
    { ...attrs, filterShape: wShape },
  );
  const dX = await runOn(
    'wasm',
    depthwise ? 'DepthwiseConv2dNativeBackpropInput' : 'Conv2DBackpropInput',
    { dy: { shape: y.shape, values: dy }, filter: { shape: wShape, values: w } },
    { ...attrs, inputShape: xShape },
  );
  const target = dot(y.values, dy);
  expect(Math.abs(target)).toBeGreaterThan(1e-3);
  expect(Math.abs(dot(dW.values, w) - target) / Math.abs(target)).toBeLessThan(1e-4);
  expect(Math.abs(dot(dX.values, x) - target) / Math.abs(target)).toBeLessThan(1e-4);
}

const dilatedConvCases: DwCase[] = [
  { n: 2, h: 9, w: 8, c: 3, q: 4, k: [3, 3], s: [1, 1], d: [2, 2], pad: 'same' },
  { n: 1, h: 10, w: 9, c: 2, q: 3, k: [3, 2], s: [1, 1], d: [3, 2], pad: 'valid' },
  { n: 2, h: 8, w: 8, c: 3, q: 2, k: [3, 3], s: [1, 1], d: [2, 1], pad: explicitPad },
];

describe('dilated gradients on wasm (adjoint identity against the cpu forward conv)', () => {
  it.each(dwCases.map((c, i) => [i, c] as const))('depthwise, case %i', async (i, c) => {
    await adjointCheck(true, c, 101 + 7 * i);
  });
  it.each(dilatedConvCases.map((c, i) => [i, c] as const))('conv2d, case %i', async (i, c) => {
    await adjointCheck(false, c, 201 + 7 * i);
  });
});
