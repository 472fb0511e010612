/**
 * Contract: recipes, estimates, starting / pausing / cancelling / resuming runs, run history,
 * metric series, comparison of runs or run groups, and the images of a confusion-matrix cell.
 */
import { z } from 'zod';
import { FolderPath } from '../schemas/project';
import { RecipeFile, RecipePreset } from '../schemas/recipe';
import {
  CellImage, CompareReport, MetricPointSchema, MetricSeries, RunDetail, RunEstimate, RunStatus, RunSummary,
} from '../schemas/run';

/** A recipe as an object (the YAML file's content parsed) or as YAML text. */
export const RecipeInput = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);

/** Recipe + project + overrides: what estimate and start take. */
export const StartRunInput = z
  .object({
    project: FolderPath,
    recipe: RecipeInput,
    /** merged over the recipe (deep merge of objects), e.g. { batchSize: 16, stages: { pretrain: { steps: 100 } } } */
    overrides: z.record(z.string(), z.unknown()).optional(),
    /** folder relative paths in the recipe are resolved against (default: the project folder) */
    baseDir: z.string().optional(),
    /** add the runs to this existing group instead of a new one (a study's arm over its seeds) */
    groupId: z.string().uuid().optional(),
  })
  .strict();
export type StartRunInput = z.infer<typeof StartRunInput>;

const RunRef = z.object({ project: FolderPath, runId: z.string().min(1) }).strict();

export const runRequests = {
  /** The presets and their defaults. */
  'runs.recipes': { input: z.object({}).strict(), output: z.array(RecipePreset) },
  /** Validates a recipe and expands it (no engine), for a wizard's live check. */
  'runs.validate': {
    input: StartRunInput,
    output: z.object({ ok: z.boolean(), errors: z.array(z.object({ path: z.string(), message: z.string() })), recipe: RecipeFile.nullable() }),
  },
  /** Steps, images and time before committing hours (measures the backbone briefly on the engine). */
  'runs.estimate': { input: StartRunInput, output: RunEstimate },
  /** Queues one run per seed (one group); returns their ids. */
  'runs.start': { input: StartRunInput, output: z.object({ groupId: z.string(), runIds: z.array(z.string()).min(1) }) },
  'runs.list': { input: z.object({ project: FolderPath }).strict(), output: z.array(RunSummary) },
  'runs.get': { input: RunRef, output: RunDetail },
  /** Metric series of a run, optionally only some names, downsampled to at most maxPoints per series. */
  'runs.metrics': {
    input: RunRef.extend({ names: z.array(z.string()).optional(), maxPoints: z.number().int().min(2).max(100000).optional() }).strict(),
    output: z.array(MetricSeries),
  },
  /** Stops at the next step with a checkpoint; the run can be resumed. */
  'runs.pause': { input: RunRef, output: RunSummary },
  'runs.cancel': { input: RunRef, output: RunSummary },
  /** Queues a paused, interrupted or failed run again from its last checkpoint. */
  'runs.resume': { input: RunRef, output: RunSummary },
  /** The blog-style table (mean ± std over seeds) and overlaid curves. */
  'runs.compare': {
    input: z
      .object({
        project: FolderPath,
        runIds: z.array(z.string()).default([]),
        groupIds: z.array(z.string()).default([]),
        /** one row per group (default) or one per run */
        byGroup: z.boolean().default(true),
      })
      .strict(),
    output: CompareReport,
  },
  /** Test images of a confusion-matrix cell, worst (highest loss) first. */
  'runs.cellImages': {
    input: RunRef.extend({
      trueClass: z.number().int().min(0),
      predictedClass: z.number().int().min(0),
      tta: z.boolean().default(false),
      limit: z.number().int().min(1).max(500).default(48),
      size: z.number().int().min(16).max(256).default(96),
    }).strict(),
    output: z.array(CellImage),
  },
} as const;

export const runEvents = {
  'runs.status': z.object({ project: z.string(), runId: z.string(), status: RunStatus, error: z.string().nullable() }),
  'runs.stageProgress': z.object({
    project: z.string(),
    runId: z.string(),
    stageIdx: z.number().int(),
    stage: z.string(),
    status: z.enum(['running', 'completed', 'failed', 'skipped', 'interrupted']),
    step: z.number().int(),
    totalSteps: z.number().int(),
    /** seconds left in this stage (null until measurable) */
    etaSeconds: z.number().nullable(),
    /** seconds left in the whole run (null until measurable) */
    runEtaSeconds: z.number().nullable(),
  }),
  'runs.metrics': z.object({ project: z.string(), runId: z.string(), points: z.array(MetricPointSchema) }),
  'runs.log': z.object({ project: z.string(), runId: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string(), time: z.string() }),
} as const;
