/**
 * Contract: studio features that need the engine but belong to no other domain: the example
 * project, the augmentation preview of the Data view, and the model library (known pretrained
 * weights with where to download them, and a check of a weight file against an architecture).
 */
import { z } from 'zod';
import { FolderPath, ProjectSummary } from '../schemas/project';
import { DatasetSummary } from './datasets';
import { AUGMENTATION_POLICIES } from '../schemas/recipe';

/** The augmentation pipelines a user can preview (the SSL stages' `augmentation`). */
export const AugmentPolicyName = z.enum(AUGMENTATION_POLICIES);
export type AugmentPolicyName = z.infer<typeof AugmentPolicyName>;

/** One image of the preview: the original and its two self-supervised views, as PNG data URLs. */
export const AugmentPreviewItem = z.object({
  relPath: z.string(),
  label: z.string().nullable(),
  original: z.string(),
  views: z.tuple([z.string(), z.string()]),
});
export type AugmentPreviewItem = z.infer<typeof AugmentPreviewItem>;

/** One downloadable set of pretrained weights (text only: Attune never fetches it). */
export const CatalogEntrySchema = z.object({
  id: z.string(),
  arch: z.string(),
  title: z.string(),
  pretraining: z.string(),
  dataset: z.string(),
  url: z.string(),
  fileFormat: z.string(),
  needsConversion: z.boolean(),
  resolution: z.number(),
  notes: z.string(),
});
export type CatalogEntryData = z.infer<typeof CatalogEntrySchema>;

/** What checking a weight file against an architecture found. */
export const WeightCheck = z.object({
  path: z.string(),
  format: z.string(),
  arch: z.string(),
  strippedPrefix: z.string(),
  matched: z.number().int(),
  missing: z.array(z.string()),
  unexpected: z.array(z.string()),
  misshaped: z.array(z.object({ name: z.string(), expected: z.array(z.number()), got: z.array(z.number()) })),
  /** true when every backbone parameter received a value of the right shape */
  complete: z.boolean(),
  /** the sidecar whose architecture settings (widths, blocks, head) the check used, when the file has one */
  configFrom: z.string().optional(),
});
export type WeightCheck = z.infer<typeof WeightCheck>;

/** What an export wrote. */
export const ExportedModel = z.object({
  dir: z.string(),
  checkpoint: z.string(),
  /** model.json of the TF.js export, or null with the reason in tfjsSkipped */
  tfjsModel: z.string().nullable(),
  tfjsSkipped: z.string().nullable(),
});
export type ExportedModel = z.infer<typeof ExportedModel>;

/** One evaluation (plain or TTA) as the Compare view draws it. */
export const EvaluationDetail = z.object({
  aucKind: z.string(),
  /** one-vs-rest AUC per class (null where undefined) */
  classAuc: z.array(z.number().nullable()),
  /** positive-vs-negative ROC (with a negative class, or two classes), at most 400 points */
  roc: z.object({ fpr: z.array(z.number()), tpr: z.array(z.number()) }).nullable(),
  /** 95 % bootstrap intervals, when the run computed them */
  ci: z.record(z.string(), z.object({ value: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable() })).nullable(),
});
export type EvaluationDetail = z.infer<typeof EvaluationDetail>;

/** The engine process's memory while it works. */
export const EngineMemory = z.object({
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  /** bytes held by tfjs tensors on the active backend */
  tensorBytes: z.number(),
  tensors: z.number().int(),
  backend: z.string().nullable(),
});
export type EngineMemory = z.infer<typeof EngineMemory>;

export const studioRequests = {
  /** Creates (or reopens) the example project in the user-data folder and imports its data. */
  'projects.openExample': {
    input: z.object({}).strict(),
    output: z.object({ project: ProjectSummary, datasets: z.array(DatasetSummary), recipe: z.string(), recipePath: z.string() }),
  },
  /** Two augmented views of a few images of a dataset, for a policy; a new seed regenerates them. */
  'datasets.augmentPreview': {
    input: z
      .object({
        project: FolderPath,
        datasetId: z.number().int(),
        policy: AugmentPolicyName.default('moco-v2'),
        count: z.number().int().min(1).max(16).default(6),
        size: z.number().int().min(16).max(256).default(112),
        seed: z.number().int().min(0).default(0),
        label: z.string().optional(),
      })
      .strict(),
    output: z.object({ policy: AugmentPolicyName, size: z.number().int(), items: z.array(AugmentPreviewItem) }),
  },
  /** Architectures the engine builds and the known pretrained weights with their download locations. */
  'models.catalog': {
    input: z.object({}).strict(),
    output: z.object({ architectures: z.array(z.string()), entries: z.array(CatalogEntrySchema) }),
  },
  /** Reads a weight file (.safetensors, .npz, TF.js) and reports how its keys fit an architecture. */
  'models.checkWeights': {
    input: z.object({ path: FolderPath, arch: z.string().min(1), config: z.record(z.string(), z.unknown()).default({}) }).strict(),
    output: WeightCheck,
  },
  /** Exports a run's fine-tuned classifier (backbone + head) as safetensors and, where covered, a TF.js LayersModel. */
  'models.export': {
    input: z.object({ project: FolderPath, runId: z.string().min(1), checkpointPath: z.string().optional() }).strict(),
    output: ExportedModel,
  },
  /** ROC and per-class AUC of a finished run, read from its evaluation artifact. */
  'studio.runEvaluation': {
    input: z.object({ project: FolderPath, runId: z.string().min(1) }).strict(),
    output: z.object({ classNames: z.array(z.string()), plain: EvaluationDetail, tta: EvaluationDetail.nullable() }),
  },
  /** Memory of the engine process (answered between training steps). */
  'studio.engineMemory': { input: z.object({}).strict(), output: EngineMemory },
} as const;

export const studioEvents = {} as const;
