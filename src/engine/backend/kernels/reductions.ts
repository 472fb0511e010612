/**
 * Faster wasm kernels for what BatchNorm training does most: zero-copy Identity and same-dtype
 * Cast (the shipped ones copy; autodiff calls them hundreds of times per step) and Sum / Mean over the
 * leading axes of an NHWC tensor (per-channel statistics), which the shipped kernels compute
 * by transposing the whole tensor first. Other reductions go to the shipped kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { alloc, f32, type WasmBackend } from './wasm-heap';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Identity that shares the input's memory, as the cpu backend does (tensors are immutable). */
export function identityWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x } = args.inputs as { x: tf.TensorInfo };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Cast that shares memory when the dtype does not change; other casts go to the shipped kernel. */
function castWasm(fallback: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    if (x.dtype === dtype) return identityWasm(args);
    return fallback(args as unknown as Parameters<tf.KernelFunc>[0]);
  }) as unknown as tf.KernelFunc;
}

/** Number of leading axes reduced, if `axis` is exactly 0..k−1 with k < rank; else −1. */
function leadingAxes(axis: number | number[], rank: number): number {
  const axes = tf.util.parseAxisParam(axis, new Array(rank).fill(1)).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return -1;
  return axes.every((a, i) => a === i) ? axes.length : -1;
}

/** Sums the rows of x viewed as [rows, cols] into out (four rows per pass, float64 accumulation). */
function sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array, scale: number): void {
  const acc = new Float64Array(cols);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    for (let c = 0; c < cols; c++) acc[c] += x[b0 + c] + x[b1 + c] + (x[b2 + c] + x[b3 + c]);
  }
  for (; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += x[base + c];
  }
  for (let c = 0; c < cols; c++) out[c] = acc[c] * scale;
}

function reduceLeading(name: 'Sum' | 'Mean', fallback: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const k = x.dtype === 'float32' ? leadingAxes(axis, x.shape.length) : -1;
    if (k < 0 || tf.util.sizeFromShape(x.shape) === 0) return fallback(args as unknown as Parameters<tf.KernelFunc>[0]);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
    const rest = x.shape.slice(k);
    const cols = tf.util.sizeFromShape(rest);
    const outShape = keepDims ? [...new Array(k).fill(1), ...rest] : rest;
    const out = alloc(backend, outShape);
    sumRows(f32(backend, x), rows, cols, f32(backend, out), name === 'Mean' ? 1 / rows : 1);
    return out;
  }) as unknown as tf.KernelFunc;
}

/** Kernel configs; Cast, Sum and Mean wrap the shipped kernels they replace (captured at registration). */
export function reductionConfigs(): tf.KernelConfig[] {
  const configs: tf.KernelConfig[] = [
    { kernelName: tf.Identity, backendName: 'wasm', kernelFunc: identityWasm as unknown as tf.KernelFunc },
  ];
  const cast = tf.getKernel('Cast', 'wasm');
  if (cast) configs.push({ kernelName: 'Cast', backendName: 'wasm', setupFunc: cast.setupFunc, kernelFunc: castWasm(cast.kernelFunc) });
  for (const name of ['Sum', 'Mean'] as const) {
    const shipped = tf.getKernel(name, 'wasm');
    if (!shipped) continue;
    configs.push({ kernelName: name, backendName: 'wasm', setupFunc: shipped.setupFunc, kernelFunc: reduceLeading(name, shipped.kernelFunc) });
  }
  return configs;
}
