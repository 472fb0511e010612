/**
 * Runs as stored and shown: the fully expanded config a run snapshots (what the engine
 * executes), run and stage status, metric series, the comparison table and per-image results.
 */
import { z } from 'zod';
import { AdaptStageSpec, BackboneSpec, EvaluateStageSpec, FinetuneStageSpec, IdxSource, LabelBudgetSpec, PretrainStageSpec } from './recipe';
import type { IdxSource as IdxSourceType } from './recipe';

/** 'damaged': a stored run whose configuration or results cannot be read (reported, never written). */
export const RunStatus = z.enum(['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted', 'damaged']);
export type RunStatus = z.infer<typeof RunStatus>;
export const StageStatus = z.enum(['pending', 'running', 'completed', 'failed', 'skipped', 'interrupted']);
export type StageStatus = z.infer<typeof StageStatus>;

/** A resolved image set: absolute paths, kind decided. */
export const ResolvedSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('idx'), idx: IdxSource }),
  z.object({ kind: z.literal('folder'), path: z.string() }),
  z.object({ kind: z.literal('csv'), path: z.string() }),
]);
export type ResolvedSource = z.infer<typeof ResolvedSource>;

/** The prepare stage: decode caches and the split. */
export const PrepareStage = z.object({ kind: z.literal('prepare'), name: z.string() });

/** A pretrain stage with its schedule resolved to the batch. */
export const ResolvedPretrain = PretrainStageSpec.extend({ lr: z.number(), totalSteps: z.number().int() });
export const ResolvedAdapt = AdaptStageSpec.extend({ totalSteps: z.number().int() });
/** A fine-tune stage; `totalSteps` is known after prepare (epochs × steps per epoch), 0 before. */
export const ResolvedFinetune = FinetuneStageSpec.extend({ lrScaled: z.number(), headLrScaled: z.number(), totalSteps: z.number().int() });
export const ResolvedEvaluate = EvaluateStageSpec.extend({ totalSteps: z.number().int() });

export const ResolvedStage = z.discriminatedUnion('kind', [
  PrepareStage.extend({ totalSteps: z.number().int() }),
  ResolvedPretrain,
  ResolvedAdapt,
  ResolvedFinetune,
  ResolvedEvaluate,
]);
export type ResolvedStage = z.infer<typeof ResolvedStage>;

/** Everything a run executes: the snapshot stored with the run. */
export const RunConfig = z.object({
  name: z.string(),
  recipe: z.string(),
  seed: z.number().int(),
  backbone: BackboneSpec,
  data: z.object({
    labeled: ResolvedSource,
    /** one set, or several (all used, in this order) */
    unlabeled: z.union([ResolvedSource, z.array(ResolvedSource).min(1)]).nullable(),
    source: ResolvedSource.nullable(),
    /** HPT source selection candidates (empty unless data.source listed several); `source` is the first */
    sourceCandidates: z.array(ResolvedSource).default([]),
    test: ResolvedSource.nullable(),
    size: z.number().int(),
    labelBudget: LabelBudgetSpec,
    split: z.object({ val: z.number(), test: z.number() }),
    seed: z.number().int(),
    negativeClass: z.string().nullable(),
  }),
  batchSize: z.number().int(),
  accumulate: z.number().int(),
  checkpointEvery: z.number().int(),
  logEvery: z.number().int(),
  stages: z.array(ResolvedStage),
});
export type RunConfig = z.infer<typeof RunConfig>;

/** The blog-style headline numbers of one evaluation. */
export const HeadlineMetrics = z.object({
  loss: z.number(),
  auc: z.number(),
  f1: z.number(),
  accuracy: z.number(),
});
export type HeadlineMetrics = z.infer<typeof HeadlineMetrics>;

/** What a finished run reports. */
export const RunResultSummary = z.object({
  plain: HeadlineMetrics,
  tta: HeadlineMetrics.nullable(),
  classNames: z.array(z.string()),
  confusion: z.array(z.array(z.number())),
  confusionTta: z.array(z.array(z.number())).nullable(),
  testSize: z.number().int(),
  aucKind: z.string(),
  /** the pixels-logreg floor on the same train and test images (absent in runs from before it existed) */
  floor: HeadlineMetrics.nullable().optional(),
  /** the evaluate stage's fixed linear probe of the backbone before its last fine-tune (absent when the recipe asks for none) */
  linearProbe: HeadlineMetrics.extend({ confusion: z.array(z.array(z.number())) }).nullable().optional(),
});
export type RunResultSummary = z.infer<typeof RunResultSummary>;

export const StageInfo = z.object({
  idx: z.number().int(),
  name: z.string(),
  kind: z.string(),
  status: StageStatus,
  totalSteps: z.number().int(),
  doneSteps: z.number().int(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** wall seconds between start and finish (or now, while running) */
  seconds: z.number().nullable(),
});
export type StageInfo = z.infer<typeof StageInfo>;

export const RunSummary = z.object({
  id: z.string(),
  groupId: z.string().nullable(),
  name: z.string(),
  recipe: z.string(),
  status: RunStatus,
  seed: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  /** position in the queue (0 = on the engine) when queued or running */
  queuePosition: z.number().int().nullable(),
  result: RunResultSummary.nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const CheckpointInfo = z.object({
  stageIdx: z.number().int(),
  step: z.number().int(),
  path: z.string(),
  byteSize: z.number().int().nullable(),
  createdAt: z.string(),
});
export type CheckpointInfo = z.infer<typeof CheckpointInfo>;

export const RunDetail = RunSummary.extend({
  config: RunConfig,
  stages: z.array(StageInfo),
  checkpoints: z.array(CheckpointInfo),
  artifacts: z.array(z.object({ kind: z.string(), path: z.string(), createdAt: z.string() })),
});
export type RunDetail = z.infer<typeof RunDetail>;

/** One metric of one stage: [step, value] pairs in step order. */
export const MetricSeries = z.object({
  stageIdx: z.number().int(),
  stage: z.string(),
  name: z.string(),
  points: z.array(z.tuple([z.number(), z.number()])),
});
export type MetricSeries = z.infer<typeof MetricSeries>;

/** A metric point as the engine logs it and the events carry it. */
export const MetricPointSchema = z.object({ stageIdx: z.number().int(), name: z.string(), step: z.number().int(), value: z.number() });
export type MetricPointData = z.infer<typeof MetricPointSchema>;

/** Mean ± std over the seeds of a row. */
export const MeanStd = z.object({ mean: z.number(), std: z.number(), n: z.number().int() });
export type MeanStd = z.infer<typeof MeanStd>;

/** One row of the comparison table: a run, or a group of seeds of one configuration. */
export const CompareRow = z.object({
  label: z.string(),
  /** 'floor': the pixels-logreg baseline of the runs' own labels, not a trained run */
  kind: z.enum(['run', 'floor']).default('run'),
  recipe: z.string(),
  backbone: z.string(),
  runIds: z.array(z.string()),
  plain: z.record(z.enum(['loss', 'auc', 'f1', 'accuracy']), MeanStd),
  tta: z.record(z.enum(['loss', 'auc', 'f1', 'accuracy']), MeanStd).nullable(),
  /** the runs' fixed linear probe (evaluate stage `linearProbe`), when they took one */
  probe: z.record(z.enum(['loss', 'auc', 'f1', 'accuracy']), MeanStd).nullable().optional(),
});
export type CompareRow = z.infer<typeof CompareRow>;

/** A curve of the comparison: one row's metric over the steps of one stage kind. */
export const CompareCurve = z.object({ label: z.string(), metric: z.string(), stage: z.string(), points: z.array(z.tuple([z.number(), z.number()])) });
export type CompareCurve = z.infer<typeof CompareCurve>;

export const CompareReport = z.object({ rows: z.array(CompareRow), curves: z.array(CompareCurve), skipped: z.array(z.object({ runId: z.string(), reason: z.string() })) });
export type CompareReport = z.infer<typeof CompareReport>;

/** One test image of a confusion-matrix cell. */
export const CellImage = z.object({
  index: z.number().int(),
  key: z.string(),
  label: z.string(),
  predicted: z.string(),
  probability: z.number(),
  loss: z.number(),
  /** a small PNG as a data: URL ('' when it cannot be rendered) */
  thumbnail: z.string(),
});
export type CellImage = z.infer<typeof CellImage>;

/** The estimate shown before a run starts. */
export const RunEstimate = z.object({
  stages: z.array(z.object({ name: z.string(), kind: z.string(), steps: z.number().int(), images: z.number().int(), seconds: z.number() })),
  totalSteps: z.number().int(),
  images: z.number().int(),
  seconds: z.number(),
  runs: z.number().int(),
  /** measured training throughput of the backbone at the run's batch and size */
  imagesPerSecond: z.number(),
  backend: z.string(),
  /** labeled images found (after the class filter) */
  labeledImages: z.number().int().nullable(),
  notes: z.array(z.string()),
});
export type RunEstimate = z.infer<typeof RunEstimate>;

/** Fashion-MNIST's class names, used for IDX sets with 10 labels and no names given. */
export const FASHION_MNIST_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The class names an IDX source ends up with, after its class filter (in filter order). */
export function idxClassNames(idx: IdxSourceType): string[] {
  const all = idx.classNames ?? FASHION_MNIST_NAMES;
  const order = idx.classes ?? all.map((_, i) => i);
  return order.map((i) => all[i] ?? String(i));
}
