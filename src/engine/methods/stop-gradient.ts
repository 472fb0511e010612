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

/**
 * Runs `f` with the gradient tape off and returns its result, through which no gradient flows.
 * Unlike `stopGradient(f())`, none of f's operations are recorded, so the tensors they would
 * save for a backward pass (a whole target network's activations and weight-standardised
 * kernels) are not kept until the gradients are done. Same values as `f()`; `f` must not need
 * gradients (a BYOL target network). tfjs records no operation run inside a custom-gradient
 * op's forward function (the engine's kernel depth is above 0 there); intermediates of `f`
 * are freed on return.
 */
export function withoutTape<T extends tf.Tensor>(f: () => T): T {
  const run = tf.customGrad(() => ({ value: f(), gradFunc: () => [] }));
  return run() as T;
}
