/**
 * Depthwise convolution gradients for the wasm backend (the shipped backend has neither the
 * filter nor the input gradient). Direct loops over the heap with channels innermost, which
 * is contiguous in both x and dy; sums for the filter gradient are kept in float64.
 *
 * x [N,H,W,C], filter [KH,KW,C,Q] (Q = channel multiplier), dy [N,OH,OW,C·Q].
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, validRange } from './conv-geometry';
import { alloc, f32, release, type WasmBackend } from './wasm-heap';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type DepthwiseAttrs = Parameters<typeof convGeometry>[2];

/** Gradient of a depthwise conv with respect to its filter. */
export function depthwiseBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseAttrs & { filterShape: number[] };
  const g = convGeometry(x.shape, attrs.filterShape, attrs, true);
  const { inH: H, inW: W, inC: C, outH: OH, outW: OW, kH, kW, multiplier: Q } = g;
  const CQ = C * Q;
  const out = alloc(backend, attrs.filterShape);
  const xs = f32(backend, x);
  const dys = f32(backend, dy);
  const acc = new Float64Array(kH * kW * CQ);
  for (let kh = 0; kh < kH; kh++) {
    const offH = kh * g.dilH - g.padTop;
    for (let kw = 0; kw < kW; kw++) {
      const offW = kw * g.dilW - g.padLeft;
      const [owLo, owHi] = validRange(OW, W, g.strideW, offW);
      const a = (kh * kW + kw) * CQ;
      if (Q === 1) {
        // per output row, eight channels at a time in local sums (two loads per multiply-add);
        // the row stays in cache while all channel blocks walk it
        for (let n = 0; n < g.batch; n++) {
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * g.strideH + offH;
            if (ih < 0 || ih >= H) continue;
            const xRow = (n * H + ih) * W;
            const dRow = (n * OH + oh) * OW;
            for (let c0 = 0; c0 < C; c0 += 8) {
              if (C - c0 < 8) {
                for (let ow = owLo; ow < owHi; ow++) {
                  const xb = (xRow + ow * g.strideW + offW) * C;
                  const db = (dRow + ow) * C;
                  for (let c = c0; c < C; c++) acc[a + c] += xs[xb + c] * dys[db + c];
                }
                continue;
              }
              let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
              for (let ow = owLo; ow < owHi; ow++) {
                const xb = (xRow + ow * g.strideW + offW) * C + c0;
                const db = (dRow + ow) * C + c0;
                s0 += xs[xb] * dys[db];
                s1 += xs[xb + 1] * dys[db + 1];
                s2 += xs[xb + 2] * dys[db + 2];
                s3 += xs[xb + 3] * dys[db + 3];
                s4 += xs[xb + 4] * dys[db + 4];
                s5 += xs[xb + 5] * dys[db + 5];
                s6 += xs[xb + 6] * dys[db + 6];
                s7 += xs[xb + 7] * dys[db + 7];
              }
              acc[a + c0] += s0; acc[a + c0 + 1] += s1; acc[a + c0 + 2] += s2; acc[a + c0 + 3] += s3;
              acc[a + c0 + 4] += s4; acc[a + c0 + 5] += s5; acc[a + c0 + 6] += s6; acc[a + c0 + 7] += s7;
            }
          }
        }
        continue;
      }
      for (let n = 0; n < g.batch; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * g.strideH + offH;
          if (ih < 0 || ih >= H) continue;
          for (let ow = owLo; ow < owHi; ow++) {
            const iw = ow * g.strideW + offW;
            const xb = ((n * H + ih) * W + iw) * C;
            const db = ((n * OH + oh) * OW + ow) * CQ;
            for (let c = 0; c < C; c++) {
              const xv = xs[xb + c];
              for (let q = 0; q < Q; q++) acc[a + c * Q + q] += xv * dys[db + c * Q + q];
            }
          }
        }
      }
    }
  }
  f32(backend, out).set(acc);
  return out;
}

/**
 * Stride 1, multiplier 1: the input gradient is a forward depthwise conv of dy by the spatially
 * flipped filter with padding (K−1)·d − pad, run by XNNPACK. Null when that form does not apply.
 */
function depthwiseInputAsConv(backend: WasmBackend, dy: tf.TensorInfo, filter: tf.TensorInfo, g: ReturnType<typeof convGeometry>): tf.TensorInfo | null {
  if (g.strideH !== 1 || g.strideW !== 1 || g.multiplier !== 1) return null;
  const eh = (g.kH - 1) * g.dilH;
  const ew = (g.kW - 1) * g.dilW;
  const pads = [eh - g.padTop, eh - g.padBottom, ew - g.padLeft, ew - g.padRight];
  if (pads.some((p) => p < 0)) return null;
  const kernel = tf.getKernel('DepthwiseConv2dNative', 'wasm');
  if (!kernel) return null;
  const flipped = alloc(backend, filter.shape);
  {
    const w = f32(backend, filter);
    const out = f32(backend, flipped);
    const C = g.inC;
    for (let kh = 0; kh < g.kH; kh++) {
      for (let kw = 0; kw < g.kW; kw++) {
        out.set(w.subarray(((g.kH - 1 - kh) * g.kW + (g.kW - 1 - kw)) * C, ((g.kH - 1 - kh) * g.kW + (g.kW - 1 - kw) + 1) * C), (kh * g.kW + kw) * C);
      }
    }
  }
  const dx = kernel.kernelFunc({
    inputs: { x: dy, filter: flipped },
    backend,
    attrs: {
      strides: [1, 1],
      pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]],
      dilations: [g.dilH, g.dilW],
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap,
  }) as tf.TensorInfo;
  release(backend, flipped);
  return dx.shape[1] === g.inH && dx.shape[2] === g.inW ? dx : (release(backend, dx), null);
}

/** Gradient of a depthwise conv with respect to its input. */
export function depthwiseBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseAttrs & { inputShape: number[] };
  const g = convGeometry(attrs.inputShape, filter.shape, attrs, true);
  const fast = depthwiseInputAsConv(backend, dy, filter, g);
  if (fast) return fast;
  const { inH: H, inW: W, inC: C, outH: OH, outW: OW, kH, kW, multiplier: Q } = g;
  const CQ = C * Q;
  const out = alloc(backend, attrs.inputShape);
  const dx = f32(backend, out);
  const dys = f32(backend, dy);
  const ws = f32(backend, filter);
  dx.fill(0);
  for (let kh = 0; kh < kH; kh++) {
    const offH = kh * g.dilH - g.padTop;
    for (let kw = 0; kw < kW; kw++) {
      const offW = kw * g.dilW - g.padLeft;
      const [owLo, owHi] = validRange(OW, W, g.strideW, offW);
      const wb = (kh * kW + kw) * CQ;
      for (let n = 0; n < g.batch; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * g.strideH + offH;
          if (ih < 0 || ih >= H) continue;
          for (let ow = owLo; ow < owHi; ow++) {
            const iw = ow * g.strideW + offW;
            const xb = ((n * H + ih) * W + iw) * C;
            const db = ((n * OH + oh) * OW + ow) * CQ;
            if (Q === 1) {
              for (let c = 0; c < C; c++) dx[xb + c] += dys[db + c] * ws[wb + c];
            } else {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let q = 0; q < Q; q++) s += dys[db + c * Q + q] * ws[wb + c * Q + q];
                dx[xb + c] += s;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** Kernel configs registered for the wasm backend. */
export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilterWasm as unknown as tf.KernelFunc,
};
export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInputWasm as unknown as tf.KernelFunc,
};
