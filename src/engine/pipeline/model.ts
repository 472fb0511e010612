/** The run's backbone: built from the registry, then loaded from a local weights file when one is given. */
import { existsSync } from 'node:fs';
import type { RunConfig } from '../../shared/schemas/run';
import { createBackbone } from '../models/registry';
import { readWeightFile } from '../models/import/read-file';
import { loadWeights } from '../models/import/load';
import type { Backbone } from '../models/types';

/** Builds the backbone of a run (seeded init), loading `backbone.weights` when it is a file. */
export function createRunBackbone(config: RunConfig, log: (m: string) => void): Backbone {
  const { arch, weights } = config.backbone;
  const backbone = createBackbone(arch, config.backbone.config, config.seed);
  if (weights === null) return backbone;
  if (weights === 'imagenet' || !existsSync(weights)) {
    throw new Error(`backbone.weights: "${weights}" is not a file here; give the path of a local weights file for ${arch} (.safetensors, .npz or .h5). Attune downloads nothing.`);
  }
  const result = loadWeights(backbone, readWeightFile(weights), { withHead: false, strict: false });
  const r = result as unknown as { report?: { loaded?: number; missing?: string[] } };
  log(`loaded ${weights}${r.report?.loaded !== undefined ? ` (${r.report.loaded} tensors)` : ''}`);
  return backbone;
}
