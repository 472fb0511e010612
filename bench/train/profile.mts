// per-kernel profile of one training step: npx tsx bench/train/profile.mts [arch] [size] [batch]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/index';
import { createTrainStep } from '../../src/engine/backend/train-bench';
const [arch = 'small-resnet', size = '32', batch = '64'] = process.argv.slice(2);
await initBackend({ force: 'wasm', threads: Number(process.env.THREADS ?? 2) });
const { createBackbone } = await import('../../src/engine/models/registry');
const bb = createBackbone(arch, {}, 0);
const step = createTrainStep(bb, 10);
const x = tf.randomNormal([+batch, +size, +size, 3]) as tf.Tensor4D;
const y = tf.oneHot(tf.tensor1d(Array.from({ length: +batch }, (_, i) => i % 10), 'int32'), 10).cast('float32') as tf.Tensor2D;
step.run(x, y); step.run(x, y);
const t0 = performance.now();
const prof = await tf.profile(() => { step.run(x, y); });
const total = performance.now() - t0;
const agg = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) {
  const key = k.name;
  const a = agg.get(key) ?? { ms: 0, n: 0 };
  a.ms += k.kernelTimeMs as number; a.n++;
  agg.set(key, a);
}
const rows = [...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20);
console.log(`step ${total.toFixed(0)} ms (profiled), kernels sum ${rows.reduce((s, r) => s + r[1].ms, 0).toFixed(0)} ms`);
for (const [name, a] of rows) console.log(name.padEnd(30), a.ms.toFixed(1).padStart(8), String(a.n).padStart(5));
process.exit(0);
