// Throughput of small small-resnet configs on the wasm backend (supervised step and forward only).
// npx tsx bench/study/speed.ts
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/index';
import { benchTrain } from '../../src/engine/backend/train-bench';
import { createBackbone } from '../../src/engine/models/registry';

const r = await initBackend({ force: 'wasm' });
console.log('threads', r.threads);
for (const widths of [[8, 16, 32], [16, 32, 64]]) {
  const config = { widths, inChannels: 3 };
  const res = await benchTrain({ arch: 'small-resnet', size: 32, batch: 64, steps: 3, config });
  const bb = createBackbone('small-resnet', config, 0);
  const x = tf.randomNormal([256, 32, 32, 3]) as tf.Tensor4D;
  tf.tidy(() => bb.forwardFeatures(bb.params, x, { bnMode: 'eval' })).dispose();
  const t0 = performance.now();
  tf.tidy(() => bb.forwardFeatures(bb.params, x, { bnMode: 'eval' })).dataSync();
  const fwd = 256 / ((performance.now() - t0) / 1000);
  console.log(JSON.stringify({ widths, trainImgPerS: res.imagesPerSecond.toFixed(1), stepMs: res.stepMsMedian.toFixed(0), forwardImgPerS: fwd.toFixed(0) }));
}
process.exit(0);
