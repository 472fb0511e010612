// CropAndResize timing (shipped C++ vs this project's kernel): npx tsx bench/train/crop.mts
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
const shipped = tf.getKernel('CropAndResize', 'wasm')!;
const { initBackend } = await import('../../src/engine/backend/index');
await initBackend({ force: 'wasm', threads: 1 });
const mine = tf.getKernel('CropAndResize', 'wasm')!;
const img = tf.randomUniform([128, 64, 64, 3]);
const boxes = tf.tensor2d(Array.from({ length: 128 }, (_, i) => [0.1 * (i % 3), 0.05, 0.9, 0.8 + 0.01 * (i % 10)]));
const ind = tf.tensor1d(Array.from({ length: 128 }, (_, i) => i), 'int32');
for (const [name, k] of [['shipped', shipped], ['attune', mine], ['shipped', shipped], ['attune', mine]] as const) {
  tf.unregisterKernel('CropAndResize', 'wasm'); tf.registerKernel(k);
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); const r = tf.image.cropAndResize(img as tf.Tensor4D, boxes, ind, [64, 64]); r.dataSync(); r.dispose(); ts.push(performance.now() - t0); }
  console.log(name, 'batch 128 → 64×64×3:', Math.min(...ts).toFixed(1), 'ms');
}
process.exit(0);
