/**
 * CropAndResize for the wasm backend, for the data pipeline's random-resized crops (the shipped
 * kernel is a scalar C++ loop that dominated augmentation). Same sampling as TensorFlow's
 * crop_and_resize: corners map to (H−1)·y, one-pixel crops sample the box centre, samples
 * outside the image take `extrapolationValue`; per-column taps are computed once per box and
 * channels are innermost. Non-float32 images go to the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alloc, f32, type WasmBackend } from './wasm-heap';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function i32(backend: WasmBackend, t: tf.TensorInfo): Int32Array {
  const offset = backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
  return new Int32Array(heap, offset, tf.util.sizeFromShape(t.shape));
}

/** Samples every box of `image` at `cropSize` (bilinear or nearest). */
function cropAndResizeFloat(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { image, boxes, boxInd } = args.inputs as { image: tf.TensorInfo; boxes: tf.TensorInfo; boxInd: tf.TensorInfo };
  const { cropSize, method, extrapolationValue } = args.attrs as unknown as {
    cropSize: [number, number];
    method: 'bilinear' | 'nearest';
    extrapolationValue: number;
  };
  const [batch, H, W, C] = image.shape;
  const nBoxes = boxes.shape[0];
  const [ch, cw] = cropSize;
  const out = alloc(backend, [nBoxes, ch, cw, C]);
  const o = f32(backend, out);
  const img = f32(backend, image);
  const bx = f32(backend, boxes);
  const bi = boxInd.dtype === 'int32' ? i32(backend, boxInd) : f32(backend, boxInd);
  const left = new Int32Array(cw);
  const right = new Int32Array(cw);
  const lerp = new Float32Array(cw);
  const inside = new Uint8Array(cw);
  const rowLen = cw * C;
  for (let b = 0; b < nBoxes; b++) {
    const base = b * ch * rowLen;
    const [y1, x1, y2, x2] = [bx[b * 4], bx[b * 4 + 1], bx[b * 4 + 2], bx[b * 4 + 3]];
    const n = bi[b];
    if (n < 0 || n >= batch) {
      o.fill(0, base, base + ch * rowLen); // as tfjs's reference: boxes of missing images stay zero
      continue;
    }
    const hs = ch > 1 ? ((y2 - y1) * (H - 1)) / (ch - 1) : 0;
    const ws = cw > 1 ? ((x2 - x1) * (W - 1)) / (cw - 1) : 0;
    for (let x = 0; x < cw; x++) {
      const xi = cw > 1 ? x1 * (W - 1) + x * ws : 0.5 * (x1 + x2) * (W - 1);
      inside[x] = xi < 0 || xi > W - 1 ? 0 : 1;
      if (method === 'bilinear') {
        left[x] = Math.floor(xi) * C;
        right[x] = Math.ceil(xi) * C;
        lerp[x] = xi - Math.floor(xi);
      } else {
        left[x] = Math.round(xi) * C;
      }
    }
    const imgBase = n * H * W * C;
    for (let y = 0; y < ch; y++) {
      const row = base + y * rowLen;
      const yi = ch > 1 ? y1 * (H - 1) + y * hs : 0.5 * (y1 + y2) * (H - 1);
      if (yi < 0 || yi > H - 1) {
        o.fill(extrapolationValue, row, row + rowLen);
        continue;
      }
      if (method === 'bilinear') {
        const top = imgBase + Math.floor(yi) * W * C;
        const bottom = imgBase + Math.ceil(yi) * W * C;
        const yl = yi - Math.floor(yi);
        for (let x = 0; x < cw; x++) {
          const d = row + x * C;
          if (!inside[x]) {
            for (let c = 0; c < C; c++) o[d + c] = extrapolationValue;
            continue;
          }
          const l = left[x];
          const r = right[x];
          const xl = lerp[x];
          if (C === 3) {
            // RGB, unrolled: the common case of the augmentation pipeline
            const a0 = top + l, a1 = top + r, b0 = bottom + l, b1 = bottom + r;
            const t0 = img[a0] + (img[a1] - img[a0]) * xl;
            const t1 = img[a0 + 1] + (img[a1 + 1] - img[a0 + 1]) * xl;
            const t2 = img[a0 + 2] + (img[a1 + 2] - img[a0 + 2]) * xl;
            o[d] = t0 + (img[b0] + (img[b1] - img[b0]) * xl - t0) * yl;
            o[d + 1] = t1 + (img[b0 + 1] + (img[b1 + 1] - img[b0 + 1]) * xl - t1) * yl;
            o[d + 2] = t2 + (img[b0 + 2] + (img[b1 + 2] - img[b0 + 2]) * xl - t2) * yl;
            continue;
          }
          for (let c = 0; c < C; c++) {
            const tl = img[top + l + c];
            const bl = img[bottom + l + c];
            const t = tl + (img[top + r + c] - tl) * xl;
            const bo = bl + (img[bottom + r + c] - bl) * xl;
            o[d + c] = t + (bo - t) * yl;
          }
        }
      } else {
        const src = imgBase + Math.round(yi) * W * C;
        for (let x = 0; x < cw; x++) {
          const d = row + x * C;
          if (!inside[x]) {
            for (let c = 0; c < C; c++) o[d + c] = extrapolationValue;
            continue;
          }
          for (let c = 0; c < C; c++) o[d + c] = img[src + left[x] + c];
        }
      }
    }
  }
  return out;
}

/** Kernel config wrapping the shipped CropAndResize (used for non-float32 images). */
export function cropAndResizeConfig(): tf.KernelConfig | undefined {
  const shipped = tf.getKernel(tf.CropAndResize, 'wasm');
  if (!shipped) return undefined;
  return {
    kernelName: tf.CropAndResize,
    backendName: 'wasm',
    setupFunc: shipped.setupFunc,
    kernelFunc: ((args: KernelArgs) =>
      (args.inputs as { image: tf.TensorInfo }).image.dtype === 'float32'
        ? cropAndResizeFloat(args)
        : shipped.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0])) as unknown as tf.KernelFunc,
  };
}
