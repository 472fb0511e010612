// BatchNorm forward+backward: autodiff of moments-based BN vs batchNormTrain. npx tsx bench/train/bn.mts
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/index';
import { batchNormTrain } from '../../src/engine/backend/batch-norm';
await initBackend({ force: 'wasm', threads: Number(process.env.THREADS ?? 1) });
const x = tf.randomNormal([64, 32, 32, 32]); const w = tf.randomNormal([64, 32, 32, 32]);
const g = tf.variable(tf.ones([32])); const b = tf.variable(tf.zeros([32]));
const autodiff = (xi: tf.Tensor) => { const m = tf.moments(xi, [0, 1, 2]); const sc = tf.mul(g, tf.rsqrt(tf.add(m.variance, 1e-5))); return tf.add(tf.mul(tf.sub(xi, m.mean), sc), b); };
const fused = (xi: tf.Tensor) => batchNormTrain(xi, g, b, 1e-5).y;
for (const [name, f] of [['autodiff', autodiff], ['batchNormTrain', fused], ['autodiff', autodiff], ['batchNormTrain', fused]] as const) {
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    tf.tidy(() => { const r = tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), w)))([x]); r[0].dataSync(); });
    ts.push(performance.now() - t0);
  }
  const prof = await tf.profile(() => tf.tidy(() => { tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), w)))([x])[0].dataSync(); }));
  console.log(name.padEnd(15), 'median ms', ts.sort((a, c) => a - c)[2].toFixed(1), 'kernels', prof.kernels.length);
}
process.exit(0);
