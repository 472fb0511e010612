/**
 * Small helpers for kernels that run on the wasm backend: allocate tensors on its heap,
 * view them as Float32Arrays, call the backend's own kernels (XNNPACK matmul, conv,
 * transpose) and free intermediates.
 *
 * Views are taken AFTER every allocation of a kernel: an allocation may grow the wasm
 * memory, which detaches (or, with shared memory, outgrows) earlier views.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type WasmBackend = BackendWasm;

/** The heap of the wasm module as it is now (re-read after allocations). */
function heapBuffer(backend: WasmBackend): ArrayBufferLike {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
}

/** A Float32Array view of a float32 tensor on the wasm heap (take it after the last allocation). */
export function f32(backend: WasmBackend, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`wasm training kernel: expected a float32 tensor, got ${t.dtype}`);
  const offset = backend.dataIdMap.get(t.dataId)!.memoryOffset;
  return new Float32Array(heapBuffer(backend), offset, tf.util.sizeFromShape(t.shape));
}

/** Allocates a float32 tensor on the wasm heap; its contents are undefined until written. */
export function alloc(backend: WasmBackend, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** A tensor that shares another tensor's memory with a different shape (a reshape). Free it with `release`. */
export function reshaped(backend: WasmBackend, t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  if (tf.util.sizeFromShape(shape) !== tf.util.sizeFromShape(t.shape)) {
    throw new Error(`wasm training kernel: cannot view [${t.shape}] as [${shape}]`);
  }
  backend.incRef(t.dataId);
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Frees an intermediate tensor (or drops one reference of a `reshaped` view). */
export function release(backend: WasmBackend, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

function kernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no '${name}' kernel, which the training kernels need`);
  return k.kernelFunc;
}

/** a [M, K] @ b [K, N] → [M, N] with XNNPACK (the backend's fast path: rank 3, batch 1, no transposes). */
export function matMul(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const [m, k] = a.shape;
  const [k2, n] = b.shape;
  if (k !== k2) throw new Error(`wasm training kernel: matMul inner sizes differ (${k} vs ${k2})`);
  const a3 = reshaped(backend, a, [1, m, k]);
  const b3 = reshaped(backend, b, [1, k, n]);
  try {
    const out = kernel('BatchMatMul')({
      inputs: { a: a3, b: b3 },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
    return { dataId: out.dataId, shape: [m, n], dtype: 'float32' };
  } finally {
    release(backend, a3, b3);
  }
}

/** Permutes the axes of a tensor with the backend's Transpose kernel. */
export function transpose(backend: WasmBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return kernel('Transpose')({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/** A forward NHWC convolution with explicit padding, run by XNNPACK. */
export function conv2d(
  backend: WasmBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  pad: [number, number, number, number],
  dilations: [number, number],
): tf.TensorInfo {
  return kernel('Conv2D')({
    inputs: { x, filter },
    backend,
    attrs: {
      strides: [1, 1],
      pad: [[0, 0], [pad[0], pad[1]], [pad[2], pad[3]], [0, 0]],
      dataFormat: 'NHWC',
      dilations,
      dimRoundingMode: undefined,
    } as unknown as tf.NamedAttrMap,
  }) as tf.TensorInfo;
}

/** Largest number of float32 values an im2col buffer may hold before work is split by image (32 MB). */
export const IM2COL_BUDGET = 8 * 1024 * 1024;
let im2colBudget = IM2COL_BUDGET;

/** Changes the im2col budget (tests use a tiny one to exercise the chunked paths); returns the old one. */
export function setIm2colBudget(floats: number): number {
  const old = im2colBudget;
  im2colBudget = Math.max(1, Math.floor(floats));
  return old;
}

/** How many images to put in one chunk so that `perImage` floats per image stay within the budget. */
export function imagesPerChunk(batch: number, perImage: number): number {
  return Math.max(1, Math.min(batch, Math.floor(im2colBudget / Math.max(1, perImage))));
}

