/**
 * Methods by name, for the pipeline: `createMethod('byol', backbone, config, seed)`.
 * Configs are partial overrides of each method's defaults (which depend on featureDim).
 */
import type { Backbone } from '../models/types';
import { Byol, type ByolConfig } from './byol';
import type { SslMethod } from './method';
import { Moco, type MocoConfig } from './moco';
import { Simclr, type SimclrConfig } from './simclr';
import { Swav, type SwavConfig } from './swav';

/** Names `createMethod` accepts; 'uft' is MoCo v2 with UFT's CutMix mixing (α 1, weight 1). */
export const METHOD_NAMES = ['byol', 'moco', 'simclr', 'swav', 'uft'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Per-method config overrides. */
export type MethodConfig = Partial<ByolConfig> | Partial<MocoConfig> | Partial<SimclrConfig> | Partial<SwavConfig>;

/** Builds a method over a backbone (whose variables become the online network). */
export function createMethod(name: string, backbone: Backbone, config: Record<string, unknown> = {}, seed = 0): SslMethod {
  switch (name) {
    case 'byol':
      return new Byol(backbone, config as Partial<ByolConfig>, seed);
    case 'moco':
      return new Moco(backbone, config as Partial<MocoConfig>, seed);
    case 'uft':
      return new Moco(backbone, { uft: { alpha: 1, weight: 1 }, ...(config as Partial<MocoConfig>) }, seed);
    case 'simclr':
      return new Simclr(backbone, config as Partial<SimclrConfig>, seed);
    case 'swav':
      return new Swav(backbone, config as Partial<SwavConfig>, seed);
    default:
      throw new Error(`unknown SSL method '${name}' (known: ${METHOD_NAMES.join(', ')})`);
  }
}
