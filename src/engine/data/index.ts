/**
 * The data pipeline's public surface: import and scan (records in batches for the store),
 * health report, decode cache, splits, samplers and loader, augmentation.
 */
export { scanSources, scanCandidates, collectScan, countCandidates, type ScanOptions, type KnownFile, type KnownLookup } from './scan';
export { candidatesOf, labeledFolder, plainFolder, csvFile, type Candidate, type SourceSpec } from './sources';
export { walkImages, IMAGE_EXTENSIONS } from './walk';
export { probeFile, probeBuffer, DEFAULT_MAX_PIXELS } from './probe';
export { HealthAccumulator, healthReport, suggestResolution } from './health';
export { buildCache, isCacheCurrent, cacheDir, type CacheIndex, type CacheItem, type CacheFit, type BuildCacheOptions } from './cache';
export { decodeFrame, type FrameSource, type FrameSpec } from './decode-frame';
export { DecodePool, DecodePoolUnavailable, FrameWriteError, sharedDecodePool } from './decode-pool';
export { DecodeCache } from './cache-reader';
export { loadIdxDataset, readIdx, parseIdx, idxRecords, idxCacheItems, idxImage, FASHION_MNIST_CLASSES, type IdxDataset } from './idx';
export { stratifiedSplit, applyLabelBudget, type SplitItem, type SplitFractions, type LabelBudget } from './splits';
export { ShuffledSampler, ClassBalancedSampler, MixedSampler, replaySubset, type Sampler } from './samplers';
export { BatchLoader, type Batch, type LoaderOptions } from './loader';
export { augmentViews, applyView, batchTensor, type AugmentOptions } from './augment/pipeline';
export { BYOL_VIEW1, BYOL_VIEW2, MOCO_V2, CROP_ONLY, CENTER, VIEW_PIPELINES, validatePolicy, type ViewPolicy, type JitterSpec } from './augment/policies';
export { sampleViewParams, sampleCropBox, type ViewParams } from './augment/params';
export { cutMix, sampleCutMix, type CutMixResult } from './augment/cutmix';
export { normalize, colorTransform, colorCoefficients, randomGaussianBlur, randomSolarize, cropResize } from './augment/ops';
