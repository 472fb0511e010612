/**
 * Depthwise convolution gradients for the wasm backend (the shipped backend has neither the
 * filter nor the input gradient). Direct loops over the heap with channels innermost, which
 * is contiguous in both x and dy; sums for the filter gradient are kept in float64.
 *
 * x [N,H,W,C], filter [KH,KW,C,Q] (Q = channel multiplier), dy [N,OH,OW,C·Q].
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, validRange } from './conv-geometry';
import { alloc, f32, type WasmBackend } from './wasm-heap';

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
      for (let n = 0; n < g.batch; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * g.strideH + offH;
          if (ih < 0 || ih >= H) continue;
          for (let ow = owLo; ow < owHi; ow++) {
            const iw = ow * g.strideW + offW;
            const xb = ((n * H + ih) * W + iw) * C;
            const db = ((n * OH + oh) * OW + ow) * CQ;
            if (Q === 1) {
              for (let c = 0; c < C; c++) acc[a + c] += xs[xb + c] * dys[db + c];
            } else {
              for (let c = 0; c < C; c++) {
                const xv = xs[xb + c];
                for (let q = 0; q < Q; q++) acc[a + c * Q + q] += xv * dys[db + c * Q + q];
              }
            }
          }
        }
      }
    }
  }
  f32(backend, out).set(acc);
  return out;
}

/** Gradient of a depthwise conv with respect to its input. */
export function depthwiseBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseAttrs & { inputShape: number[] };
  const g = convGeometry(attrs.inputShape, filter.shape, attrs, true);
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
