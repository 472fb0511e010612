/**
 * MaxPoolGrad for the wasm backend: the shipped kernel took ~150 ms of a ResNet-18 step for its
 * single stem pool. Each output's gradient goes to the first maximum of its window (window
 * order row-major, as tfjs's cpu kernel), found with channels innermost so x is read contiguously.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alloc, f32, type WasmBackend } from './wasm-heap';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** dx for a 2-D max pool (NHWC), given dy and the pooled input. */
export function maxPoolGradWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const out = alloc(backend, input.shape);
  const dx = f32(backend, out);
  const xs = f32(backend, input);
  const dys = f32(backend, dy);
  dx.fill(0);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - info.padInfo.top;
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - info.padInfo.left;
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let r = Math.max(0, r0); r < Math.min(H, r0 + fh); r++) {
          for (let q = Math.max(0, c0); q < Math.min(W, c0 + fw); q++) {
            const base = ((n * H + r) * W + q) * C;
            for (let c = 0; c < C; c++) {
              const v = xs[base + c];
              if (v > best[c]) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const d0 = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += dys[d0 + c];
      }
    }
  }
  return out;
}

/** Kernel config registered for the wasm backend (replaces the shipped MaxPoolGrad). */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
