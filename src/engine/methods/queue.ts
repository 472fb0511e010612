/**
 * A fixed-size ring buffer of embeddings held in one variable: MoCo's queue of negative keys
 * and SwAV's feature queue for small batches.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A queue of `size` rows of `dim` floats. */
export class FeatureQueue {
  readonly values: tf.Variable;
  /** next row to overwrite */
  pointer = 0;
  /** rows written so far, capped at size (SwAV only uses a full queue) */
  filled = 0;

  /**
   * `init`: 'random' fills the queue with L2-normalised Gaussian rows (MoCo starts with random
   * negatives); 'zeros' leaves it empty (SwAV).
   */
  constructor(readonly size: number, readonly dim: number, init: 'random' | 'zeros', seed = 0) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`queue: size must be a positive integer, got ${size}`);
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`queue: dim must be a positive integer, got ${dim}`);
    this.values = tf.tidy(() => {
      const v = init === 'random' ? tf.randomNormal([size, dim], 0, 1, 'float32', seed) : tf.zeros([size, dim]);
      const rows = init === 'random' ? tf.div(v, tf.norm(v, 'euclidean', 1, true)) : v;
      return tf.variable(rows, false);
    });
    if (init === 'random') this.filled = size;
  }

  /** Writes `rows` [n, dim] at the pointer, wrapping around; n may not exceed the size. */
  enqueue(rows: tf.Tensor2D): void {
    const [n, d] = rows.shape;
    if (d !== this.dim) throw new Error(`queue: rows have dimension ${d}, queue holds ${this.dim}`);
    if (n > this.size) throw new Error(`queue: cannot enqueue ${n} rows into a queue of ${this.size}`);
    tf.tidy(() => {
      const p = this.pointer;
      const end = p + n;
      let next: tf.Tensor;
      if (end <= this.size) {
        const parts = [tf.slice(this.values, [0, 0], [p, d]), rows, tf.slice(this.values, [end, 0], [this.size - end, d])];
        next = tf.concat(parts.filter((t) => t.shape[0] > 0), 0);
      } else {
        const tail = this.size - p; // rows that fit at the end
        const wrapped = n - tail;
        next = tf.concat([
          tf.slice(rows, [tail, 0], [wrapped, d]),
          tf.slice(this.values, [wrapped, 0], [p - wrapped, d]),
          tf.slice(rows, [0, 0], [tail, d]),
        ].filter((t) => t.shape[0] > 0), 0);
      }
      this.values.assign(next);
    });
    this.pointer = (this.pointer + n) % this.size;
    this.filled = Math.min(this.size, this.filled + n);
  }

  /** Frees the buffer. */
  dispose(): void {
    this.values.dispose();
  }
}
