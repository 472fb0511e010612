/**
 * The wasm training kernels against the cpu backend's reference kernels on random inputs,
 * over strides, paddings (same / valid / explicit), dilations, odd sizes and channel multipliers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../src/engine/backend/index';
import { setIm2colBudget } from '../../../src/engine/backend/kernels/wasm-heap';

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
  inputs: Record<string, { shape: number[]; values: Float32Array | Int32Array }>,
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
  { n: 2, h: 6, w: 7, c: 19, q: 1, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same' }, // 8-channel blocks + remainder
  { n: 1, h: 5, w: 6, c: 16, q: 1, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'valid' },
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
  // padding beyond the dilated kernel's reach: the input gradient takes the GEMM + col2im path
  { n: 2, h: 6, w: 6, c: 2, q: 3, k: [3, 3], s: [1, 1], d: [2, 2], pad: [[0, 0], [5, 1], [0, 5], [0, 0]] },
];

describe('dilated gradients on wasm (adjoint identity against the cpu forward conv)', () => {
  it.each(dwCases.map((c, i) => [i, c] as const))('depthwise, case %i', async (i, c) => {
    await adjointCheck(true, c, 101 + 7 * i);
  });
  it.each(dilatedConvCases.map((c, i) => [i, c] as const))('conv2d, case %i', async (i, c) => {
    await adjointCheck(false, c, 201 + 7 * i);
  });
});

describe('Sum / Mean / Identity on wasm', () => {
  const shape = [3, 5, 4, 6];
  const values = randomValues(3 * 5 * 4 * 6, 301);
  const cases: [string, number | number[], boolean][] = [
    ['Sum', [0, 1, 2], false],
    ['Sum', [0, 1, 2], true],
    ['Mean', [0, 1, 2], false],
    ['Mean', [1, 0], true],
    ['Sum', 0, false],
    ['Mean', [1, 2], true], // not leading: the shipped kernel
    ['Sum', -1, false],
    ['Mean', [0, 1, 2, 3], false],
  ];
  it.each(cases)('%s over %j (keepDims %s) matches the cpu backend', async (kernel, axis, keepDims) => {
    await compare(kernel, { x: { shape, values } }, { axis, keepDims });
  });
  it('Cast to the same dtype shares memory; other casts still convert', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1.5, -2.25, 3], [3]);
    const same = tf.cast(x, 'float32');
    const int = tf.cast(x, 'int32');
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 3]);
    expect(Array.from(int.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([same, int]);
  });
  it('Identity shares memory and survives disposing its input', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(values, shape);
    const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(Array.from(values));
    y.dispose();
  });
});

describe('MaxPoolGrad on wasm', () => {
  const poolCases: [number[], number, number, 'same' | 'valid' | number][] = [
    [[2, 9, 9, 5], 3, 2, 'same'],
    [[2, 8, 7, 3], 2, 2, 'valid'],
    [[1, 7, 7, 4], 3, 1, 1],
    [[2, 10, 10, 3], 3, 2, 'valid'],
  ];
  it.each(poolCases.map((c, i) => [i, ...c] as const))('case %i matches the cpu backend', async (i, shape, k, s, pad) => {
    const n = shape.reduce((a, b) => a * b);
    const values = randomValues(n, 401 + i);
    const input = { shape, values };
    await tf.setBackend('cpu');
    const pooled = tf.tidy(() => tf.maxPool(tf.tensor4d(values, shape as [number, number, number, number]), k, s, pad));
    const output = { shape: pooled.shape, values: pooled.dataSync() as Float32Array };
    pooled.dispose();
    const dy = { shape: output.shape, values: randomValues(output.values.length, 501 + i) };
    await compare('MaxPoolGrad', { dy, input, output }, { filterSize: k, strides: s, pad });
  });
  it('sends the gradient of a tied window to its first maximum, like the cpu backend', async () => {
    const shape = [1, 4, 4, 2];
    const values = new Float32Array(32).map((_, j) => Math.floor(j / 6)); // many ties
    await tf.setBackend('cpu');
    const pooled = tf.tidy(() => tf.maxPool(tf.tensor4d(values, shape as [number, number, number, number]), 2, 1, 'valid'));
    const output = { shape: pooled.shape, values: pooled.dataSync() as Float32Array };
    pooled.dispose();
    const dy = { shape: output.shape, values: randomValues(output.values.length, 601) };
    await compare('MaxPoolGrad', { dy, input: { shape, values } }, { filterSize: 2, strides: 1, pad: 'valid' });
  });
});

describe('chunked im2col paths (tiny budget: one image per chunk)', () => {
  it.each(convCases.filter((c) => c.s[0] > 1 || c.s[1] > 1).map((c, i) => [i, c] as const))('filter gradient, strided case %i', async (i, c) => {
    const [oh, ow] = outSize(c);
    const old = setIm2colBudget(1);
    try {
      await compare(
        'Conv2DBackpropFilter',
        {
          x: { shape: [c.n, c.h, c.w, c.ci], values: randomValues(c.n * c.h * c.w * c.ci, 711 + i) },
          dy: { shape: [c.n, oh, ow, c.co], values: randomValues(c.n * oh * ow * c.co, 723 + i) },
        },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k[0], c.k[1], c.ci, c.co] },
      );
    } finally {
      setIm2colBudget(old);
    }
  });
  it('dilated input and filter gradients (adjoint identity)', async () => {
    const old = setIm2colBudget(1);
    try {
      await adjointCheck(false, dilatedConvCases[0], 777);
      await adjointCheck(false, dilatedConvCases[3], 787);
    } finally {
      setIm2colBudget(old);
    }
  });
});

describe('CropAndResize on wasm', () => {
  const image = { shape: [2, 9, 7, 3], values: randomValues(2 * 9 * 7 * 3, 801) };
  const boxes = {
    shape: [6, 4],
    values: new Float32Array([
      0.1, 0.2, 0.8, 0.9, // inside
      0.9, 0.8, 0.2, 0.1, // flipped
      -0.2, -0.1, 0.5, 1.3, // partly outside: extrapolation
      0, 0, 1, 1, // whole image
      0.3, 0.3, 0.6, 0.7,
      0.2, 0.2, 0.4, 0.4, // its image index is missing
    ]),
  };
  const boxInd = { shape: [6], values: new Int32Array([0, 1, 1, 0, 1, 5]) };
  it.each([
    ['bilinear', [5, 4]],
    ['nearest', [5, 4]],
    ['bilinear', [1, 1]],
    ['bilinear', [11, 13]],
  ] as const)('%s to %j matches the cpu backend', async (method, cropSize) => {
    await compare('CropAndResize', { image, boxes, boxInd }, { method, cropSize, extrapolationValue: -0.5 });
  });
  it('handles other channel counts (here 2)', async () => {
    const gray = { shape: [2, 6, 8, 2], values: randomValues(2 * 6 * 8 * 2, 811) };
    await compare('CropAndResize', { image: gray, boxes, boxInd }, { method: 'bilinear', cropSize: [4, 5], extrapolationValue: 0 });
  });
});
