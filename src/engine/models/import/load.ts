/**
 * Loads a weight file into a backbone (and its classifier head when the file has one):
 * the per-architecture head naming, head detection, and the import report.
 */
import type { Backbone, HeadSpec, ParamSpec, Params } from '../types';
import { createHead, linearHeadSpec } from '../heads';
import { assignValues, matchWeights, type ImportReport } from './match';
import type { WeightFile } from './read-file';
import { foldKerasConvBiases, kerasAliases } from './keras-names';

/** Where an architecture's classifier lives: the head prefix and file-key aliases. */
export interface ClassifierNaming {
  prefix: string;
  /** file key → model name, for files that name the classifier differently */
  aliases: Map<string, string>;
}

/** The classifier naming of an architecture (torchvision `fc`, `classifier.1`, BiT `resnet/head/conv2d`). */
export function classifierNaming(arch: string): ClassifierNaming {
  if (arch.startsWith('bit-')) {
    const p = 'resnet/head/conv2d';
    return { prefix: p, aliases: new Map([[`${p}/kernel`, `${p}.weight`], [`${p}/bias`, `${p}.bias`]]) };
  }
  if (arch.startsWith('efficientnet-')) return { prefix: 'classifier.1', aliases: new Map() };
  return { prefix: 'fc', aliases: new Map() };
}

/** The number of classes of the classifier stored in a file, if it has one for this arch. */
export function detectClassifier(arch: string, featureDim: number, file: WeightFile, aliases = classifierNaming(arch).aliases): number | undefined {
  const naming = classifierNaming(arch);
  const keys = [`${naming.prefix}.weight`, ...[...aliases].filter(([, v]) => v === `${naming.prefix}.weight`).map(([k]) => k)];
  for (const [key, t] of file.tensors) {
    if (!keys.some((k) => key === k || key.endsWith(`.${k}`) || key.endsWith(`/${k}`))) continue;
    const s = t.shape;
    if (s.length === 2 && file.layout === 'torch' && s[1] === featureDim) return s[0];
    if (s.length === 2 && file.layout === 'tf' && s[0] === featureDim) return s[1];
    if (s.length === 4 && file.layout === 'tf' && s[2] === featureDim) return s[3];
    if (s.length === 4 && file.layout === 'torch' && s[1] === featureDim) return s[0];
  }
  return undefined;
}

/** A classifier head attached to a backbone. */
export interface LoadedHead {
  spec: HeadSpec;
  prefix: string;
  params: Params;
  specs: ParamSpec[];
}

/** Result of loading a file into a backbone. */
export interface LoadResult {
  report: ImportReport;
  head?: LoadedHead;
}

/**
 * Imports `file` into `backbone` (and into a linear classifier head when the file holds one
 * and `withHead` is true). With `strict`, any missing or mis-shaped backbone key is an error
 * naming the keys; nothing is assigned in that case.
 */
export function loadWeights(backbone: Backbone, file: WeightFile, opts: { withHead?: boolean; strict?: boolean } = {}): LoadResult {
  const naming = classifierNaming(backbone.arch);
  let tensors = file.tensors;
  let folded: string[] = [];
  const aliases = new Map(naming.aliases);
  if (file.format === 'h5') {
    ({ tensors, folded } = foldKerasConvBiases(tensors));
    for (const [k, v] of kerasAliases(backbone, tensors.keys())) aliases.set(k, v);
  }
  let head: LoadedHead | undefined;
  if (opts.withHead) {
    const classes = detectClassifier(backbone.arch, backbone.featureDim, { ...file, tensors }, aliases);
    if (classes) {
      const spec = linearHeadSpec(backbone.featureDim, classes);
      head = { spec, prefix: naming.prefix, ...createHead(spec, naming.prefix, 0) };
    }
  }
  const specs = head ? [...backbone.specs, ...head.specs] : backbone.specs;
  const { report, values } = matchWeights(specs, tensors, file.layout, aliases);
  report.ignored.push(...folded.map((k) => `${k} (folded into BN moving_mean)`));
  if (opts.strict && (report.missing.length || report.misshaped.length || report.matched.length === 0)) {
    const parts = [];
    if (report.matched.length === 0) parts.push('no key matches this architecture');
    if (report.missing.length) parts.push(`missing ${report.missing.slice(0, 5).join(', ')}${report.missing.length > 5 ? ` (+${report.missing.length - 5})` : ''}`);
    if (report.misshaped.length) parts.push(`mis-shaped ${report.misshaped.slice(0, 3).map((m) => `${m.name} [${m.got}] vs [${m.expected}]`).join(', ')}`);
    throw new Error(`${file.path}: weights do not fit ${backbone.arch}: ${parts.join('; ')}`);
  }
  assignValues(backbone.params, values);
  if (head) assignValues(head.params, values);
  return { report, head };
}
