// micro-benchmark of the conv gradient kernels: npx tsx bench/train/micro.mts
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/index';
await initBackend({ force: 'wasm', threads: Number(process.env.THREADS ?? 2) });
const cases = [
  { n: 64, h: 32, ci: 3, co: 32, k: 3, s: 1 },
  { n: 64, h: 32, ci: 32, co: 32, k: 3, s: 1 },
  { n: 64, h: 32, ci: 32, co: 64, k: 3, s: 2 },
  { n: 64, h: 16, ci: 64, co: 64, k: 3, s: 1 },
  { n: 64, h: 32, ci: 32, co: 64, k: 1, s: 2 },
];
function time(f: () => tf.Tensor, reps = 3) {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); const r = f(); r.dataSync(); r.dispose(); ts.push(performance.now() - t0); }
  return Math.min(...ts).toFixed(1);
}
for (const c of cases) {
  const x = tf.randomNormal([c.n, c.h, c.h, c.ci]) as tf.Tensor4D;
  const w = tf.randomNormal([c.k, c.k, c.ci, c.co]) as tf.Tensor4D;
  const pad = c.k === 3 ? 'same' : 'valid';
  const y = tf.conv2d(x, w, c.s, pad);
  const fwd = time(() => tf.conv2d(x, w, c.s, pad));
  const bf = time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: y }, { strides: c.s, pad, dataFormat: 'NHWC', filterShape: w.shape } as any) as tf.Tensor);
  const bi = time(() => tf.engine().runKernel('Conv2DBackpropInput', { dy: y, filter: w }, { inputShape: x.shape, strides: c.s, pad, dataFormat: 'NHWC' } as any) as tf.Tensor);
  console.log(JSON.stringify(c), 'fwd', fwd, 'filter', bf, 'input', bi);
  tf.dispose([x, w, y]);
}


process.exit(0);
