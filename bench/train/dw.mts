// depthwise gradients vs the forward depthwise conv: npx tsx bench/train/dw.mts
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend/index';
await initBackend({ force: 'wasm', threads: Number(process.env.THREADS ?? 1) });
for (const [h, c, s] of [[32, 96, 1], [16, 144, 2], [8, 240, 1]]) {
  const x = tf.randomNormal([64, h, h, c]) as tf.Tensor4D; const w = tf.randomNormal([3, 3, c, 1]) as tf.Tensor4D;
  const y = tf.depthwiseConv2d(x, w, s, 'same');
  const t = (f: () => tf.Tensor) => { const ts: number[] = []; for (let i = 0; i < 3; i++) { const t0 = performance.now(); const r = f(); r.dataSync(); r.dispose(); ts.push(performance.now() - t0); } return Math.min(...ts).toFixed(1); };
  console.log({ h, c, s }, 'fwd', t(() => tf.depthwiseConv2d(x, w, s, 'same')),
    'input', t(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: y, filter: w }, { inputShape: x.shape, strides: s, pad: 'same', dilations: 1 } as any) as tf.Tensor),
    'filter', t(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: y }, { filterShape: w.shape, strides: s, pad: 'same', dilations: 1 } as any) as tf.Tensor));
  tf.dispose([x, w, y]);
}
process.exit(0);
