/**
 * DAFT's feature-distortion diagnostics around a fine-tuning run: pooled features of the
 * evaluation images and a copy of the backbone before training, compared with the result.
 */
import { cloneParams, disposeParams } from '../models/registry';
import type { Backbone, Params } from '../models/types';
import { extractFeatures, type FeatureMatrix } from '../eval/features';
import { featureDistortion, parameterChange, type FeatureDistortion, type ParamChange } from '../eval/distortion';
import type { LabeledImages } from '../eval/images';

/** How far fine-tuning moved features and weights. */
export interface DistortionReport {
  features: FeatureDistortion;
  /** ‖W̃−W‖/‖W‖ per conv / dense kernel, in the backbone's order */
  layers: ParamChange[];
}

/** The state captured before training. */
export interface DistortionBaseline {
  params: Params;
  features: FeatureMatrix;
}

/** Copies the backbone and extracts features of `images` (BN eval) before fine-tuning. */
export async function captureBaseline(backbone: Backbone, images: LabeledImages, batchSize: number): Promise<DistortionBaseline> {
  const features = await extractFeatures(backbone, images, { batchSize });
  return { params: cloneParams(backbone.params), features };
}

/** Compares the fine-tuned backbone with the baseline, then frees the baseline's copy. */
export async function finishDistortion(base: DistortionBaseline, backbone: Backbone, images: LabeledImages, batchSize: number): Promise<DistortionReport> {
  try {
    const after = await extractFeatures(backbone, images, { batchSize });
    return {
      features: featureDistortion(base.features, after),
      layers: await parameterChange(base.params, backbone.params, backbone.specs),
    };
  } finally {
    disposeParams(base.params);
  }
}
