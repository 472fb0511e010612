/**
 * P2X preparation of an SSL-pretrained backbone before its second pretraining (Ciga, Xu et
 * al., "Resource and data efficient self supervised learning"): dead-filter replacement
 * first, then weight scaling. Both are skipped for a model trained from scratch (P1X).
 */
import type { Backbone, Params } from '../models/types';
import { replaceDeadFilters, type DeadFilterReport } from './dead-filters';
import { scaleWeights, type ScaledLayer, type WeightScalingOptions } from './weight-scaling';

/** Options of `prepareP2x`. */
export interface P2xOptions extends WeightScalingOptions {
  /** true when the weights are a random initialisation: nothing is changed */
  fromScratch?: boolean;
  deadFilterThreshold?: number;
  seed?: number;
  /** turn either fix off */
  replaceDead?: boolean;
  scale?: boolean;
}

/** What was changed. */
export interface P2xReport {
  deadFilters: DeadFilterReport[];
  scaled: ScaledLayer[];
  skipped: boolean;
}

/** Applies P2X's two fixes in the paper's order and reports what they changed. */
export async function prepareP2x(backbone: Backbone, params: Params, o: P2xOptions = {}): Promise<P2xReport> {
  if (o.fromScratch) return { deadFilters: [], scaled: [], skipped: true };
  const deadFilters = o.replaceDead === false ? [] : await replaceDeadFilters(backbone, params, { threshold: o.deadFilterThreshold, seed: o.seed });
  const scaled = o.scale === false ? [] : await scaleWeights(backbone, params, o);
  return { deadFilters, scaled, skipped: false };
}
