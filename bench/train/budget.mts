// im2col budget A/B for Conv2DBackpropFilter: npx tsx bench/train/budget.mts
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/index';
import { setIm2colBudget } from '../../src/engine/backend/kernels/wasm-heap';
await initBackend({ force: 'wasm', threads: Number(process.env.THREADS ?? 1) });
const budgets = [8 << 20, 1 << 20, 1 << 18];
for (const c of [{ h: 32, ci: 32, co: 32, s: 1 }, { h: 16, ci: 64, co: 64, s: 1 }, { h: 32, ci: 32, co: 64, s: 2 }, { h: 8, ci: 128, co: 128, s: 1 }]) {
  const x = tf.randomNormal([64, c.h, c.h, c.ci]) as tf.Tensor4D; const w = tf.randomNormal([3, 3, c.ci, c.co]) as tf.Tensor4D;
  const y = tf.conv2d(x, w, c.s, 'same');
  const res = budgets.map(() => [] as number[]);
  for (let i = 0; i < 5 * budgets.length; i++) {
    const j = i % budgets.length;
    setIm2colBudget(budgets[j]);
    const t0 = performance.now();
    const r = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: y }, { strides: c.s, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape } as any) as tf.Tensor;
    r.dataSync(); r.dispose();
    res[j].push(performance.now() - t0);
  }
  const med = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1].toFixed(1);
  console.log(JSON.stringify(c), budgets.map((b, j) => `${b >> 10}K:${med(res[j])}`).join(' '));
  tf.dispose([x, w, y]);
}
process.exit(0);
