/**
 * When the threaded wasm build cannot start (here: its worker script cannot be written because
 * the temp directory does not exist), training still works on one thread and the report says why.
 * Runs in its own process (vitest forks per file), so the once-per-process setup is fresh.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { initBackend } from '../../../src/engine/backend/index';

describe('threaded wasm fallback', () => {
  it('falls back to the single-threaded build with the reason in the report', async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/attune-test-tmp';
    try {
      const report = await initBackend({ force: 'wasm', threads: 2 });
      expect(report.backend).toBe('wasm');
      expect(report.threads).toBe(1);
      if (os.availableParallelism() > 1) {
        expect(report.threadsNote).toContain('threaded wasm build failed to start');
        expect(report.threadsNote).toContain('/nonexistent/attune-test-tmp');
      }
      // and it still trains: a conv gradient runs
      const g = tf.tidy(() =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 2, 2]) as tf.Tensor4D, 1, 'same')))(tf.ones([1, 4, 4, 2])),
      );
      expect(g.dataSync()[0]).toBe(8); // corner pixel: 4 taps × 2 output channels
      g.dispose();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
