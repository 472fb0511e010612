/**
 * The one table of self-supervised methods: for every name a recipe can write
 * (src/shared/ssl-methods.ts), how to build the method over a backbone, from a pretrain stage's
 * settings (`methodForStage`, what the pipeline uses) or from a raw config (`createMethod`, for
 * tests and benchmarks). Adding a method: its file here, one entry below, its name and title in
 * src/shared/ssl-methods.ts.
 */
import type { Backbone } from '../models/types';
import type { ResolvedStage } from '../../shared/schemas/run';
import { SSL_METHOD_NAMES, type SslMethodName } from '../../shared/ssl-methods';
import { Byol, type ByolConfig } from './byol';
import type { SslMethod } from './method';
import { Moco, type MocoConfig } from './moco';
import { Simclr, type SimclrConfig } from './simclr';
import { Swav, type SwavConfig } from './swav';

type PretrainStage = Extract<ResolvedStage, { kind: 'pretrain' }>;

/** The stage settings every method reads: its heads, which backbone variables train, and its own knobs. */
interface StageSettings {
  projector: { hidden: number; out: number; norm: PretrainStage['headNorm'] };
  backboneTraining: PretrainStage['backboneTraining'];
  stage: PretrainStage;
  batch: number;
}

interface MethodEntry {
  /** a method over the backbone from a raw config (partial overrides of its defaults) */
  create(backbone: Backbone, config: Record<string, unknown>, seed: number): SslMethod;
  /** the config a pretrain stage asks for */
  configOf(s: StageSettings): Record<string, unknown>;
}

const opt = <T>(key: string, v: T | undefined) => (v !== undefined ? { [key]: v } : {});

const METHODS: Record<SslMethodName, MethodEntry> = {
  byol: {
    create: (b, c, seed) => new Byol(b, c as Partial<ByolConfig>, seed),
    configOf: ({ projector, backboneTraining, stage }) => ({ projector, predictor: projector, backboneTraining, ...opt('baseMomentum', stage.momentum) }),
  },
  moco: {
    create: (b, c, seed) => new Moco(b, c as Partial<MocoConfig>, seed),
    configOf: ({ projector, backboneTraining, stage, batch }) => ({
      projector, backboneTraining, queueSize: stage.queueSize ?? 4096, bnGroups: batch % 2 === 0 ? 2 : 1,
      ...opt('temperature', stage.temperature), ...opt('momentum', stage.momentum),
      ...(stage.cutmix ? { uft: { alpha: 1, weight: 1 } } : {}),
    }),
  },
  simclr: {
    create: (b, c, seed) => new Simclr(b, c as Partial<SimclrConfig>, seed),
    configOf: ({ projector, backboneTraining, stage }) => ({ projector, backboneTraining, ...opt('temperature', stage.temperature) }),
  },
  swav: {
    create: (b, c, seed) => new Swav(b, c as Partial<SwavConfig>, seed),
    configOf: ({ projector, backboneTraining, stage }) => ({ projector, backboneTraining, ...opt('temperature', stage.temperature) }),
  },
};

/** Names `createMethod` accepts: the recipe names, and 'uft' (MoCo v2 with UFT's CutMix of the queries, α 1, weight 1). */
export const METHOD_NAMES = [...SSL_METHOD_NAMES, 'uft'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** Builds a method over a backbone (whose variables become the online network) from a raw config. */
export function createMethod(name: string, backbone: Backbone, config: Record<string, unknown> = {}, seed = 0): SslMethod {
  if (name === 'uft') return METHODS.moco.create(backbone, { uft: { alpha: 1, weight: 1 }, ...config }, seed);
  const entry = (METHODS as Record<string, MethodEntry>)[name];
  if (!entry) throw new Error(`unknown SSL method '${name}' (known: ${METHOD_NAMES.join(', ')})`);
  return entry.create(backbone, config, seed);
}

/** The SSL method a pretrain stage names, over the run's backbone, at the run's batch. */
export function methodForStage(stage: PretrainStage, backbone: Backbone, batch: number, seed: number): SslMethod {
  const hidden = stage.projectorHidden ?? Math.max(128, Math.min(1024, backbone.featureDim * 4));
  const projector = { hidden, out: stage.projectorOut, norm: stage.headNorm };
  const entry = METHODS[stage.method];
  return entry.create(backbone, entry.configOf({ projector, backboneTraining: stage.backboneTraining, stage, batch }), seed);
}
