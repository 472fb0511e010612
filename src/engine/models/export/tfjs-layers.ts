/**
 * Export of a trained ResNet-family classifier (small-resnet, resnet18/34/50/101) as a
 * TensorFlow.js LayersModel: a hand-written Keras functional topology (`model.json`) plus one
 * float32 weight shard, loadable with `tf.loadLayersModel` from plain @tensorflow/tfjs.
 * PyTorch's symmetric padding becomes ZeroPadding2D + 'valid' convolutions; BN keeps eps 1e-5.
 * Layer names are the model's (`layer1.0.conv1`), weights `layer1.0.conv1/kernel`, so the
 * export imports back into Attune by name. BiT (GroupNorm) and EfficientNet are not covered.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Backbone, HeadSpec, Params } from '../types';
import { isLinearHead } from '../heads';

/** One Keras layer entry of a functional model config. */
export interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, Record<string, never>][][];
}

/** The parts of an export: the model.json object and the weight shard bytes. */
export interface TfjsExport {
  modelJson: Record<string, unknown>;
  shard: Uint8Array;
  shardName: string;
}

class TopologyBuilder {
  readonly layers: KerasLayer[] = [];
  /** weights in shard order; their values are read back (asynchronously) once the topology is built */
  readonly weights: { name: string; shape: number[]; variable: tf.Variable }[] = [];
  constructor(private readonly params: Params) {}

  private add(className: string, name: string, config: Record<string, unknown>, inputs: string[]): string {
    if (this.layers.some((l) => l.name === name)) throw new Error(`export: duplicate layer name ${name}`);
    this.layers.push({ class_name: className, name, config: { name, trainable: true, ...config }, inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [] });
    return name;
  }

  private weight(layer: string, leaf: string, paramName: string): number[] {
    const v = this.params.get(paramName);
    if (!v) throw new Error(`export: parameter "${paramName}" is missing`);
    this.weights.push({ name: `${layer}/${leaf}`, shape: v.shape, variable: v });
    return v.shape;
  }

  input(name: string, channels: number): string {
    return this.add('InputLayer', name, { batch_input_shape: [null, null, null, channels], dtype: 'float32', sparse: false }, []);
  }

  /** conv (kernel name `<layer>.weight`) with PyTorch padding `pad`. */
  conv(input: string, layer: string, stride: number, pad: number): string {
    let x = input;
    if (pad > 0) x = this.add('ZeroPadding2D', `${layer}.pad`, { padding: [[pad, pad], [pad, pad]], data_format: 'channels_last' }, [x]);
    const shape = this.weight(layer, 'kernel', `${layer}.weight`);
    return this.add('Conv2D', layer, {
      filters: shape[3], kernel_size: [shape[0], shape[1]], strides: [stride, stride], padding: 'valid', data_format: 'channels_last',
      dilation_rate: [1, 1], activation: 'linear', use_bias: false,
    }, [x]);
  }

  bn(input: string, layer: string, eps = 1e-5): string {
    this.weight(layer, 'gamma', `${layer}.weight`);
    this.weight(layer, 'beta', `${layer}.bias`);
    this.weight(layer, 'moving_mean', `${layer}.running_mean`);
    this.weight(layer, 'moving_variance', `${layer}.running_var`);
    return this.add('BatchNormalization', layer, { axis: -1, momentum: 0.9, epsilon: eps, center: true, scale: true }, [input]);
  }

  relu(input: string, name: string): string {
    return this.add('Activation', name, { activation: 'relu' }, [input]);
  }

  addLayer(a: string, b: string, name: string): string {
    return this.add('Add', name, {}, [a, b]);
  }

  maxPool(input: string, name: string): string {
    // inputs are post-ReLU (≥ 0), so zero padding equals PyTorch's -inf padding here
    const p = this.add('ZeroPadding2D', `${name}.pad`, { padding: [[1, 1], [1, 1]], data_format: 'channels_last' }, [input]);
    return this.add('MaxPooling2D', name, { pool_size: [3, 3], strides: [2, 2], padding: 'valid', data_format: 'channels_last' }, [p]);
  }

  gap(input: string, name: string): string {
    return this.add('GlobalAveragePooling2D', name, { data_format: 'channels_last' }, [input]);
  }

  dense(input: string, layer: string): string {
    const shape = this.weight(layer, 'kernel', `${layer}.weight`);
    this.weight(layer, 'bias', `${layer}.bias`);
    return this.add('Dense', layer, { units: shape[1], activation: 'linear', use_bias: true }, [input]);
  }
}

function residualBlock(t: TopologyBuilder, x: string, prefix: string, kind: 'basic' | 'bottleneck', stride: number, params: Params, eps: number, strideOnFirst: boolean): string {
  const n = kind === 'basic' ? 2 : 3;
  let h = x;
  for (let i = 1; i <= n; i++) {
    const k = params.get(`${prefix}.conv${i}.weight`)?.shape[0] ?? 1;
    const strided = kind === 'basic' || strideOnFirst ? i === 1 : i === 2;
    h = t.conv(h, `${prefix}.conv${i}`, strided ? stride : 1, (k - 1) / 2);
    h = t.bn(h, `${prefix}.bn${i}`, eps);
    if (i < n) h = t.relu(h, `${prefix}.relu${i}`);
  }
  let shortcut = x;
  if (params.has(`${prefix}.downsample.0.weight`)) {
    shortcut = t.conv(x, `${prefix}.downsample.0`, stride, 0);
    shortcut = t.bn(shortcut, `${prefix}.downsample.1`, eps);
  }
  return t.relu(t.addLayer(h, shortcut, `${prefix}.add`), `${prefix}.out`);
}

/** True when `exportTfjsLayers` supports the architecture. */
export function tfjsExportSupported(arch: string): boolean {
  return arch === 'small-resnet' || /^resnet(18|34|50|101)$/.test(arch);
}

/**
 * Builds the TF.js LayersModel (topology + weights) of backbone → linear head. Throws for
 * architectures it does not cover and for non-linear heads. The weights are read back
 * asynchronously (every backend, webgpu included).
 */
export async function exportTfjsLayers(backbone: Backbone, head: { prefix: string; spec: HeadSpec; params: Params }, shardName = 'group1-shard1of1.bin'): Promise<TfjsExport> {
  if (!tfjsExportSupported(backbone.arch)) throw new Error(`TF.js export covers small-resnet and resnet18/34/50/101, not ${backbone.arch}`);
  if (!isLinearHead(head.spec)) throw new Error('TF.js export needs a linear classifier head');
  const params: Params = new Map([...backbone.params, ...head.params]);
  const t = new TopologyBuilder(params);
  const cfg = backbone.config as { inChannels?: number; block?: 'basic' | 'bottleneck'; layers?: number[]; widths?: number[]; blocks?: number[]; bnEps?: number; strideOn?: string };
  const eps = cfg.bnEps ?? 1e-5;
  let x = t.input('input', cfg.inChannels ?? 3);
  const small = backbone.arch === 'small-resnet';
  x = t.conv(x, 'conv1', small ? 1 : 2, small ? 1 : 3);
  x = t.relu(t.bn(x, 'bn1', eps), 'relu1');
  if (!small) x = t.maxPool(x, 'maxpool');
  const stages = small ? cfg.blocks! : cfg.layers!;
  stages.forEach((n, s) => {
    for (let i = 0; i < n; i++) x = residualBlock(t, x, `layer${s + 1}.${i}`, small ? 'basic' : cfg.block!, i === 0 && s > 0 ? 2 : 1, params, eps, cfg.strideOn === '1x1');
  });
  x = t.gap(x, 'avgpool');
  const out = t.dense(x, head.prefix);
  const values = await Promise.all(t.weights.map((w) => w.variable.data() as Promise<Float32Array>));
  const total = values.reduce((n, v) => n + v.length, 0);
  const shard = new Float32Array(total);
  let o = 0;
  for (const v of values) { shard.set(v, o); o += v.length; }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'attune',
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: { name: `attune_${backbone.arch.replace(/-/g, '_')}`, layers: t.layers, input_layers: [['input', 0, 0]], output_layers: [[out, 0, 0]] },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [shardName], weights: t.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
  };
  return { modelJson, shard: new Uint8Array(shard.buffer), shardName };
}
