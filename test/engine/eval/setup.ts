/**
 * Test backend for eval and finetune tests: the engine's wasm backend with its training
 * kernels (initBackend also registers gradients); the cpu backend only if wasm cannot start.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { initBackend, registerGradients } from '../../../src/engine/backend';

/** Starts the backend once and returns its name. */
export async function startBackend(): Promise<string> {
  try {
    await initBackend({ force: 'wasm' });
  } catch (err) {
    console.warn(`wasm backend unavailable, using cpu: ${(err as Error).message}`);
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    await registerGradients();
  }
  await tf.ready();
  return tf.getBackend();
}
