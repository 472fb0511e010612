/**
 * The model library: known pretrained backbones and where a person can download them.
 * Plain data for the UI; nothing here is ever fetched by Attune (images and weights stay
 * on the machine; the user downloads and imports files themselves).
 */

/** One downloadable set of weights. */
export interface CatalogEntry {
  id: string;
  /** architecture name for createBackbone */
  arch: string;
  title: string;
  /** architecture config the weights need (e.g. Keras variants); {} for the defaults */
  config?: Record<string, unknown>;
  /** how the weights were trained */
  pretraining: 'supervised' | 'moco-v2' | 'swav' | 'byol' | 'simclr';
  dataset: string;
  /** public download location (text only) */
  url: string;
  /** the file format at that location */
  fileFormat: 'npz' | 'pytorch-pickle' | 'keras-h5';
  /** true when the file must first be converted to .safetensors (pickled PyTorch) */
  needsConversion: boolean;
  /** input normalisation the weights expect */
  normalization: { mean: number[]; std: number[] };
  /** pretraining resolution */
  resolution: number;
  /** papers, licences, caveats */
  notes: string;
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const BIT = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/** Known backbones with their public download locations. */
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    id: 'bit-m-r50x1', arch: 'bit-r50x1', title: 'BiT-M R50x1', pretraining: 'supervised', dataset: 'ImageNet-21k',
    url: 'https://storage.googleapis.com/bit_models/BiT-M-R50x1.npz', fileFormat: 'npz', needsConversion: false,
    normalization: BIT, resolution: 224, notes: 'Big Transfer (Kolesnikov et al. 2020); GroupNorm + weight standardisation, good for small batches. Apache-2.0.',
  },
  {
    id: 'bit-m-r101x1', arch: 'bit-r101x1', title: 'BiT-M R101x1', pretraining: 'supervised', dataset: 'ImageNet-21k',
    url: 'https://storage.googleapis.com/bit_models/BiT-M-R101x1.npz', fileFormat: 'npz', needsConversion: false,
    normalization: BIT, resolution: 224, notes: 'The backbone of the blog recipe (BiT + BYOL on one RTX 2070). Apache-2.0.',
  },
  {
    id: 'bit-s-r50x1', arch: 'bit-r50x1', title: 'BiT-S R50x1', pretraining: 'supervised', dataset: 'ImageNet-1k',
    url: 'https://storage.googleapis.com/bit_models/BiT-S-R50x1.npz', fileFormat: 'npz', needsConversion: false,
    normalization: BIT, resolution: 224, notes: 'BiT trained on ImageNet-1k only. Apache-2.0.',
  },
  {
    id: 'tv-resnet18', arch: 'resnet18', title: 'ResNet-18 (torchvision)', pretraining: 'supervised', dataset: 'ImageNet-1k',
    url: 'https://download.pytorch.org/models/resnet18-f37072fd.pth', fileFormat: 'pytorch-pickle', needsConversion: true,
    normalization: IMAGENET, resolution: 224, notes: 'torchvision IMAGENET1K_V1. BSD-3-Clause.',
  },
  {
    id: 'tv-resnet50-v1', arch: 'resnet50', title: 'ResNet-50 (torchvision V1)', pretraining: 'supervised', dataset: 'ImageNet-1k',
    url: 'https://download.pytorch.org/models/resnet50-0676ba61.pth', fileFormat: 'pytorch-pickle', needsConversion: true,
    normalization: IMAGENET, resolution: 224, notes: 'torchvision IMAGENET1K_V1 (76.1% top-1).',
  },
  {
    id: 'tv-resnet50-v2', arch: 'resnet50', title: 'ResNet-50 (torchvision V2)', pretraining: 'supervised', dataset: 'ImageNet-1k',
    url: 'https://download.pytorch.org/models/resnet50-11ad3fa6.pth', fileFormat: 'pytorch-pickle', needsConversion: true,
    normalization: IMAGENET, resolution: 224, notes: 'torchvision IMAGENET1K_V2 (80.9% top-1, new training recipe).',
  },
  {
    id: 'moco-v2-800ep', arch: 'resnet50', title: 'MoCo v2 ResNet-50, 800 epochs', pretraining: 'moco-v2', dataset: 'ImageNet-1k (no labels)',
    url: 'https://dl.fbaipublicfiles.com/moco/moco_checkpoints/moco_v2_800ep/moco_v2_800ep_pretrain.pth.tar', fileFormat: 'pytorch-pickle', needsConversion: true,
    normalization: IMAGENET, resolution: 224, notes: 'The HPT / UFT / DAFT base model. Keys are prefixed module.encoder_q. (stripped on import). CC-BY-NC-4.0.',
  },
  {
    id: 'moco-v2-200ep', arch: 'resnet50', title: 'MoCo v2 ResNet-50, 200 epochs', pretraining: 'moco-v2', dataset: 'ImageNet-1k (no labels)',
    url: 'https://dl.fbaipublicfiles.com/moco/moco_checkpoints/moco_v2_200ep/moco_v2_200ep_pretrain.pth.tar', fileFormat: 'pytorch-pickle', needsConversion: true,
    normalization: IMAGENET, resolution: 224, notes: 'Shorter MoCo v2 schedule. CC-BY-NC-4.0.',
  },
  {
    id: 'swav-800ep', arch: 'resnet50', title: 'SwAV ResNet-50, 800 epochs', pretraining: 'swav', dataset: 'ImageNet-1k (no labels)',
    url: 'https://dl.fbaipublicfiles.com/deepcluster/swav_800ep_pretrain.pth.tar', fileFormat: 'pytorch-pickle', needsConversion: true,
    normalization: IMAGENET, resolution: 224, notes: 'A P2X base model; keys prefixed module. (stripped on import). CC-BY-NC-4.0.',
  },
  ...(['b0', 'b1', 'b2', 'b3', 'b4'] as const).map((b, i): CatalogEntry => ({
    id: `tv-efficientnet-${b}`, arch: `efficientnet-${b}`, title: `EfficientNet-${b.toUpperCase()} (torchvision)`, pretraining: 'supervised', dataset: 'ImageNet-1k',
    url: `https://download.pytorch.org/models/${['efficientnet_b0_rwightman-3dd342df', 'efficientnet_b1_rwightman-533bc792', 'efficientnet_b2_rwightman-bcdf34b7', 'efficientnet_b3_rwightman-cf984f9c', 'efficientnet_b4_rwightman-7eb33cd5'][i]}.pth`,
    fileFormat: 'pytorch-pickle', needsConversion: true, normalization: IMAGENET, resolution: [224, 240, 260, 300, 380][i],
    notes: 'torchvision weights (ported by Ross Wightman); BatchNorm, so prefer batch ≥ 16 when training BN.',
  })),
  {
    id: 'keras-resnet50', arch: 'resnet50', title: 'ResNet-50 (Keras applications, no top)', pretraining: 'supervised', dataset: 'ImageNet-1k',
    url: 'https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', fileFormat: 'keras-h5', needsConversion: false,
    normalization: IMAGENET, resolution: 224, config: { strideOn: '1x1', bnEps: 1.001e-5 },
    notes: 'Keras ResNet50 strides on the first 1×1 conv and has conv biases (folded into BN on import). Trained with Caffe-style BGR mean subtraction, so ImageNet mean/std normalisation is an approximation.',
  },
  {
    id: 'keras-efficientnet-b0', arch: 'efficientnet-b0', title: 'EfficientNet-B0 (Keras applications, no top)', pretraining: 'supervised', dataset: 'ImageNet-1k',
    url: 'https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5', fileFormat: 'keras-h5', needsConversion: false,
    normalization: IMAGENET, resolution: 224, config: { padding: 'same', bnEps: 1e-3 },
    notes: 'Keras EfficientNet (TF "same" padding, BN eps 1e-3). Its built-in Rescaling + Normalization layers equal ImageNet mean/std normalisation of [0,1] inputs.',
  },
];

/** Catalog entries usable with an architecture. */
export function catalogFor(arch: string): CatalogEntry[] {
  return MODEL_CATALOG.filter((e) => e.arch === arch);
}
