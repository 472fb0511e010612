/**
 * Test backend: the project's wasm training kernels when `src/engine/backend` exists,
 * otherwise the cpu backend (tiny tensors only).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Selects the fastest available backend for tests and returns its name. */
export async function useTestBackend(opts: { preferWasm?: boolean } = {}): Promise<string> {
  const backendIndex = resolve(__dirname, '../../../src/engine/backend/index.ts');
  if ((opts.preferWasm ?? true) && existsSync(backendIndex)) {
    try {
      const mod = (await import(/* @vite-ignore */ backendIndex)) as { initBackend?: (o?: unknown) => Promise<unknown> };
      if (mod.initBackend) {
        await mod.initBackend({ force: 'wasm' });
        return tf.getBackend();
      }
    } catch {
      // fall through to cpu
    }
  }
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  return tf.getBackend();
}
