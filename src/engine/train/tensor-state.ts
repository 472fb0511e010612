/**
 * Plain-data form of tensors for checkpoints: shape plus a Float32Array copy. Used by the
 * optimiser, methods (online/target/queue) and the training state, so one format travels to
 * the pipeline's checkpoint writer.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One tensor as plain data. */
export interface SerializedTensor {
  shape: number[];
  data: Float32Array;
}

/** A named set of tensors as plain data. */
export type SerializedTensors = Record<string, SerializedTensor>;

/**
 * Copies a tensor to plain data (asynchronous read-back, which every backend supports; webgpu
 * under Node has no synchronous one). Only at checkpoint time.
 */
export async function serializeTensor(t: tf.Tensor): Promise<SerializedTensor> {
  const shape = [...t.shape];
  return { shape, data: Float32Array.from((await t.data()) as Float32Array) };
}

/**
 * Copies every tensor of a named map to plain data. The reads are all started before the first
 * is awaited (one round trip on a GPU backend); the caller must not change the tensors meanwhile.
 */
export async function serializeMap(m: Map<string, tf.Tensor>): Promise<SerializedTensors> {
  const entries = [...m];
  const values = await Promise.all(entries.map(([, v]) => serializeTensor(v)));
  const out: SerializedTensors = {};
  entries.forEach(([k], i) => (out[k] = values[i]));
  return out;
}

/**
 * Writes saved values into existing variables, checking names and shapes. `what` names the
 * thing being restored for error messages. Missing or extra keys are errors unless `partial`.
 */
export function restoreInto(vars: Map<string, tf.Variable>, saved: SerializedTensors, what: string, partial = false): void {
  for (const [name, v] of vars) {
    const s = saved[name];
    if (!s) {
      if (partial) continue;
      throw new Error(`${what}: saved state has no entry '${name}'`);
    }
    if (s.shape.length !== v.shape.length || s.shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(`${what}: '${name}' has shape [${s.shape}] in the saved state but [${v.shape}] here`);
    }
    if (s.data.length !== v.size) throw new Error(`${what}: '${name}' holds ${s.data.length} values, expected ${v.size}`);
    tf.tidy(() => v.assign(tf.tensor(s.data, v.shape, 'float32')));
  }
  if (!partial) {
    for (const k of Object.keys(saved)) if (!vars.has(k)) throw new Error(`${what}: saved state has unexpected entry '${k}'`);
  }
}
