/**
 * Conv2DBackpropFilter for the wasm backend (the shipped backend has none).
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s + kh·d − pad, ow·s + kw·d − pad, ci] · dy[n,oh,ow,co]
 *
 * written as one XNNPACK matrix product per chunk of images: colsᵀ [KH·KW·Ci, M] @ dy [M, Co],
 * where colsᵀ (the transposed im2col of x) is filled from x transposed to [Ci, N, H, W] so that
 * each row is a run of contiguous copies.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, validRange, type ConvGeometry } from './conv-geometry';
import { alloc, f32, imagesPerChunk, matMul, release, reshaped, transpose, type WasmBackend } from './wasm-heap';

/** Fills colsᵀ [K, nImages·OH·OW] for images [n0, n0 + nImages) from xT [C, N, H, W]. */
function fillColsT(g: ConvGeometry, xT: Float32Array, cols: Float32Array, n0: number, nImages: number): void {
  const { inH: H, inW: W, inC: C, outH: OH, outW: OW, kH, kW, strideH: sh, strideW: sw } = g;
  const m = nImages * OH * OW;
  const N = g.batch;
  for (let kh = 0; kh < kH; kh++) {
    const offH = kh * g.dilH - g.padTop;
    for (let kw = 0; kw < kW; kw++) {
      const offW = kw * g.dilW - g.padLeft;
      const [owLo, owHi] = validRange(OW, W, sw, offW);
      for (let c = 0; c < C; c++) {
        const rowBase = ((kh * kW + kw) * C + c) * m;
        const chanBase = c * N * H * W;
        for (let n = 0; n < nImages; n++) {
          const imgBase = chanBase + (n0 + n) * H * W;
          if (sw === 1 && sh === 1 && OW === W && owLo < owHi) {
            // Rows advance by W in both source and destination: copy all valid rows as one run,
            // then zero the few columns that fell outside the image.
            const [ohLo, ohHi] = validRange(OH, H, 1, offH);
            const imgDst = rowBase + n * OH * OW;
            if (ohLo > 0) cols.fill(0, imgDst, imgDst + ohLo * OW);
            if (ohHi < OH) cols.fill(0, imgDst + ohHi * OW, imgDst + OH * OW);
            if (ohLo < ohHi) {
              const dst0 = imgDst + ohLo * OW + owLo;
              const src0 = imgBase + (ohLo + offH) * W + offW + owLo;
              const len = (ohHi - ohLo - 1) * W + (owHi - owLo);
              cols.set(xT.subarray(src0, src0 + len), dst0);
              if (owLo > 0 || owHi < OW) {
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const d = imgDst + oh * OW;
                  for (let ow = 0; ow < owLo; ow++) cols[d + ow] = 0;
                  for (let ow = owHi; ow < OW; ow++) cols[d + ow] = 0;
                }
              }
            }
            continue;
          }
          for (let oh = 0; oh < OH; oh++) {
            const dst = rowBase + (n * OH + oh) * OW;
            const ih = oh * sh + offH;
            if (ih < 0 || ih >= H || owLo >= owHi) {
              cols.fill(0, dst, dst + OW);
              continue;
            }
            if (owLo > 0) cols.fill(0, dst, dst + owLo);
            if (owHi < OW) cols.fill(0, dst + owHi, dst + OW);
            const src = imgBase + ih * W + offW;
            if (sw === 1) {
              cols.set(xT.subarray(src + owLo, src + owHi), dst + owLo);
            } else {
              for (let ow = owLo; ow < owHi; ow++) cols[dst + ow] = xT[src + ow * sw];
            }
          }
        }
      }
    }
  }
}

/** Gradient of a conv2d with respect to its filter, NHWC, any stride / padding / dilation. */
export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as Parameters<typeof convGeometry>[2] & { filterShape: number[] };
  const g = convGeometry(x.shape, attrs.filterShape, attrs, false);
  const K = g.kH * g.kW * g.inC;
  const perImage = g.outH * g.outW;
  const M = g.batch * perImage;

  // 1×1 without padding: dW = xsᵀ @ dy, xs = x subsampled by the stride (x itself at stride 1).
  if (g.kH === 1 && g.kW === 1 && g.padTop + g.padLeft + g.padBottom + g.padRight === 0) {
    let xs: tf.TensorInfo;
    if (g.strideH === 1 && g.strideW === 1) {
      xs = reshaped(backend, x, [M, g.inC]);
    } else {
      xs = alloc(backend, [M, g.inC]);
      const src = f32(backend, x);
      const dst = f32(backend, xs);
      let row = 0;
      for (let n = 0; n < g.batch; n++) {
        for (let oh = 0; oh < g.outH; oh++) {
          for (let ow = 0; ow < g.outW; ow++, row++) {
            const s0 = ((n * g.inH + oh * g.strideH) * g.inW + ow * g.strideW) * g.inC;
            dst.set(src.subarray(s0, s0 + g.inC), row * g.inC);
          }
        }
      }
    }
    const xT = transpose(backend, xs, [1, 0]);
    const dy2 = reshaped(backend, dy, [M, g.outC]);
    const out = matMul(backend, xT, dy2);
    release(backend, xs, xT, dy2);
    return { dataId: out.dataId, shape: attrs.filterShape, dtype: 'float32' };
  }

  const xT = transpose(backend, x, [3, 0, 1, 2]);
  const chunk = imagesPerChunk(g.batch, K * perImage);
  if (chunk >= g.batch) {
    const cols = alloc(backend, [K, M]);
    fillColsT(g, f32(backend, xT), f32(backend, cols), 0, g.batch);
    const dy2 = reshaped(backend, dy, [M, g.outC]);
    const out = matMul(backend, cols, dy2);
    release(backend, xT, cols, dy2);
    return { dataId: out.dataId, shape: attrs.filterShape, dtype: 'float32' };
  }

  const out = alloc(backend, attrs.filterShape);
  const acc = new Float64Array(K * g.outC);
  for (let n0 = 0; n0 < g.batch; n0 += chunk) {
    const nImg = Math.min(chunk, g.batch - n0);
    const m = nImg * perImage;
    const cols = alloc(backend, [K, m]);
    const dyChunk = alloc(backend, [m, g.outC]);
    const dyAll = f32(backend, dy);
    f32(backend, dyChunk).set(dyAll.subarray(n0 * perImage * g.outC, (n0 * perImage + m) * g.outC));
    fillColsT(g, f32(backend, xT), f32(backend, cols), n0, nImg);
    const part = matMul(backend, cols, dyChunk);
    const p = f32(backend, part);
    for (let i = 0; i < acc.length; i++) acc[i] += p[i];
    release(backend, cols, dyChunk, part);
  }
  f32(backend, out).set(acc);
  release(backend, xT);
  return out;
}

/** Kernel config registered for the wasm backend. */
export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
};
