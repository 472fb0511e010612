/** Registers this project's training kernels on the wasm backend (once per process). */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop';
import { cropAndResizeConfig } from './crop-and-resize';
import { maxPoolGradConfig } from './max-pool-grad';
import { reductionConfigs } from './reductions';

/** The gradient kernels the shipped wasm backend lacks or runs slowly. */
export const WASM_GRADIENT_KERNELS: tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  maxPoolGradConfig,
];

let registered: string[] | undefined;

/**
 * Registers (or replaces) the training kernels for backend 'wasm': the gradient kernels above
 * plus faster Identity / Cast / Sum / Mean and CropAndResize (augmentation). Idempotent;
 * returns the kernel names.
 */
export function registerWasmTrainingKernels(): string[] {
  if (registered) return registered;
  const crop = cropAndResizeConfig();
  const configs = [...WASM_GRADIENT_KERNELS, ...reductionConfigs(), ...(crop ? [crop] : [])];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  registered = configs.map((k) => k.kernelName);
  return registered;
}
