/** Identity in the forward pass, zero gradient in the backward pass (tfjs has no stop_gradient). */
import * as tf from '@tensorflow/tfjs-core';

const stop = tf.customGrad((...inputs) => {
  const x = inputs[0] as tf.Tensor;
  return { value: x.clone(), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor) };
});

/** Returns x with no gradient flowing back through it (SwAV codes, targets computed on the tape). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
