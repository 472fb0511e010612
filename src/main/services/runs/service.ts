/**
 * The runs service shared by the IPC handlers, `attune serve` and the CLI: recipes, validation
 * and estimates, starting runs (one per seed, one group), the queue's pause / cancel / resume,
 * run history, metric series, comparison and confusion-cell drill-down.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { StartRunInput } from '../../../shared/contract/runs';
import type { RecipePreset } from '../../../shared/schemas/recipe';
import type { CheckpointInfo, MetricSeries, RunConfig, RunDetail, RunEstimate, RunResultSummary, RunStatus, RunSummary } from '../../../shared/schemas/run';
import type { BenchmarkResult } from '../../../shared/engine-jobs';
import type { EngineHost } from '../../engine-host';
import type { ProjectService } from '../projects';
import type { RunRow } from '../../store/repos/runs';
import { RecipeError, expandRecipe, parseRecipe, type Expansion } from './expand';
import { estimateRun } from './estimate';
import { loadPresets } from './presets';
import { RunQueue } from './queue';
import type { Emit } from './persist';
import type { RecipeIssue } from './issues';
import { assertNotHeldElsewhere, interruptDeadRuns } from './lease';
import { assertCheckpointIntact, assertResumable } from './integrity';

const TERMINAL: RunStatus[] = ['completed', 'failed', 'cancelled', 'paused', 'interrupted', 'damaged'];

/** Converts a RecipeError into the wire error (validation, every key path in the message). */
function asAppError(e: unknown): unknown {
  return e instanceof RecipeError ? new AppError('validation', `recipe refused: ${e.message}`) : e;
}

/** Keeps every `maxPoints`-th point (first and last always kept). */
export function downsample(points: [number, number][], maxPoints?: number): [number, number][] {
  if (!maxPoints || points.length <= maxPoints) return points;
  const stride = (points.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, i) => points[Math.round(i * stride)]);
}

/** The runs domain. */
export class RunService {
  readonly queue: RunQueue;
  private benchCache = new Map<string, BenchmarkResult>();

  constructor(
    private readonly engine: EngineHost,
    private readonly projects: ProjectService,
    emit: Emit,
  ) {
    this.queue = new RunQueue(engine, projects, emit);
  }

  /** The recipe presets with their defaults. */
  recipes(): RecipePreset[] {
    return loadPresets();
  }

  /** Parses and expands a recipe; throws AppError('validation') naming every key at fault. */
  expand(input: StartRunInput): Expansion {
    const store = this.projects.get(input.project);
    try {
      const recipe = parseRecipe(input.recipe as string | Record<string, unknown>, input.overrides);
      return expandRecipe(recipe, input.baseDir ?? store.folder);
    } catch (e) {
      throw asAppError(e);
    }
  }

  /** Validation for a wizard: problems as data instead of an error. */
  validate(input: StartRunInput): { ok: boolean; errors: RecipeIssue[]; recipe: Expansion['recipe'] | null } {
    try {
      const store = this.projects.get(input.project);
      const recipe = parseRecipe(input.recipe as string | Record<string, unknown>, input.overrides);
      expandRecipe(recipe, input.baseDir ?? store.folder);
      return { ok: true, errors: [], recipe };
    } catch (e) {
      if (e instanceof RecipeError) return { ok: false, errors: e.issues, recipe: null };
      throw e;
    }
  }

  /** Steps, images and time of a recipe, from short measured steps on the engine (supervised, and each pretrain stage's own). */
  async estimate(input: StartRunInput): Promise<RunEstimate> {
    const ex = this.expand(input);
    const cfg = ex.configs[0];
    const pretrain = cfg.stages.filter((s) => s.kind === 'pretrain');
    // a stage's timing depends on its method, heads and optimizer, not on its length
    const timed = pretrain.map((s) => ({ ...s, steps: 0, totalSteps: 0 }));
    const key = `${cfg.backbone.arch}|${JSON.stringify(cfg.backbone.config)}|${cfg.data.size}|${cfg.batchSize}|${JSON.stringify(timed)}`;
    let bench = this.benchCache.get(key);
    if (!bench) {
      bench = await this.engine.request('run.benchmark', { arch: cfg.backbone.arch, config: cfg.backbone.config, size: cfg.data.size, batch: cfg.batchSize, pretrain });
      this.benchCache.set(key, bench);
    }
    return estimateRun(cfg, ex.counts, bench, ex.configs.length);
  }

  /** Creates one queued run per seed (one group, new unless `groupId` names one) and puts them on the queue. */
  start(input: StartRunInput): { groupId: string; runIds: string[] } {
    const ex = this.expand(input);
    const store = this.projects.get(input.project);
    const groupId = input.groupId ?? randomUUID();
    const runIds: string[] = [];
    for (const cfg of ex.configs) {
      const id = randomUUID();
      store.runs.create(
        { id, groupId, name: ex.configs.length > 1 ? `${cfg.name} (seed ${cfg.seed})` : cfg.name, recipe: cfg.recipe, config: cfg, seed: cfg.seed },
        cfg.stages.map((s) => ({ name: s.name, kind: s.kind, totalSteps: s.totalSteps })),
      );
      runIds.push(id);
    }
    for (const id of runIds) this.queue.enqueue(store.folder, id);
    return { groupId, runIds };
  }

  /** The full id of a run from an id or a unique prefix of one (as the CLI prints them). */
  resolveId(project: string, idOrPrefix: string): string {
    const ids = this.projects.get(project).runs.list().map((r) => r.id).filter((id) => id.startsWith(idOrPrefix));
    if (ids.length === 1) return ids[0];
    throw new AppError(ids.length ? 'validation' : 'not_found', ids.length ? `run id "${idOrPrefix}" is ambiguous (${ids.length} runs start with it)` : `no run "${idOrPrefix}" in ${project}`);
  }

  private row(project: string, runId: string): RunRow {
    const run = this.projects.get(project).runs.get(runId);
    if (!run) throw new AppError('not_found', `run ${runId} does not exist in ${project}`);
    return run;
  }

  /** The row of a run that must be usable: a damaged one is refused by id, with what cannot be read. */
  private usable(project: string, runId: string): RunRow {
    const run = this.row(project, runId);
    if (run.damaged) throw new AppError('validation', `run ${runId} is damaged: ${run.damaged}. Its history is kept, but it cannot be opened, resumed or compared; the other runs are not affected.`);
    return run;
  }

  private summarize(folder: string, r: RunRow): RunSummary {
    return {
      id: r.id, groupId: r.groupId, name: r.name, recipe: r.recipe, status: r.status, seed: r.seed, createdAt: r.createdAt,
      startedAt: r.startedAt, finishedAt: r.finishedAt, error: r.error, queuePosition: this.queue.position(folder, r.id),
      result: (r.summary as RunResultSummary | null) ?? null,
    };
  }

  /** Every run of a project, newest first (runs cut off in a process that is gone are marked interrupted first). */
  list(project: string): RunSummary[] {
    const store = this.projects.get(project);
    interruptDeadRuns(store);
    return store.runs.list().map((r) => this.summarize(store.folder, r));
  }

  /** One run with its config snapshot, stages, checkpoints and artifacts. */
  get(project: string, runId: string): RunDetail {
    const store = this.projects.get(project);
    const r = this.usable(project, runId);
    const now = Date.now();
    return {
      ...this.summarize(store.folder, r),
      config: r.config as RunConfig,
      stages: store.runs.stages(runId).map((s) => ({
        ...s,
        seconds: s.startedAt ? ((s.finishedAt ? Date.parse(s.finishedAt) : s.status === 'running' ? now : Date.parse(s.startedAt)) - Date.parse(s.startedAt)) / 1000 : null,
      })),
      checkpoints: store.checkpoints.list(runId).map((c): CheckpointInfo => ({ stageIdx: c.stageIdx, step: c.step, path: c.path, byteSize: c.byteSize, createdAt: c.createdAt })),
      artifacts: store.artifacts.list(runId).map((a) => ({ kind: a.kind, path: a.path, createdAt: a.createdAt })),
    };
  }

  /** Metric series of a run, grouped by stage and name. */
  metrics(project: string, runId: string, names?: string[], maxPoints?: number): MetricSeries[] {
    const store = this.projects.get(project);
    this.row(project, runId);
    const stageNames = new Map(store.runs.stages(runId).map((s) => [s.idx, s.name]));
    const series = new Map<string, MetricSeries>();
    for (const p of store.metrics.series(runId)) {
      if (names && !names.includes(p.name)) continue;
      const key = `${p.stageIdx}\u0000${p.name}`;
      let s = series.get(key);
      if (!s) series.set(key, (s = { stageIdx: p.stageIdx, stage: stageNames.get(p.stageIdx) ?? String(p.stageIdx), name: p.name, points: [] }));
      s.points.push([p.step, p.value]);
    }
    return [...series.values()].map((s) => ({ ...s, points: downsample(s.points, maxPoints) }));
  }

  /** Pauses a queued or running run (it checkpoints first). */
  async pause(project: string, runId: string): Promise<RunSummary> {
    const store = this.projects.get(project);
    const r = this.row(project, runId);
    if (!(await this.queue.stop(store.folder, runId, 'pause'))) throw new AppError('validation', `run ${runId} is ${r.status}; only a queued or running run can be paused`);
    return this.summarize(store.folder, this.row(project, runId));
  }

  /** Cancels a queued or running run. */
  async cancel(project: string, runId: string): Promise<RunSummary> {
    const store = this.projects.get(project);
    const r = this.row(project, runId);
    if (!(await this.queue.stop(store.folder, runId, 'cancel'))) {
      if (r.status === 'paused' || r.status === 'interrupted' || r.status === 'failed') {
        store.runs.setStatus(runId, 'cancelled');
      } else throw new AppError('validation', `run ${runId} is ${r.status}; it cannot be cancelled`);
    }
    return this.summarize(store.folder, this.row(project, runId));
  }

  /**
   * Queues a paused, interrupted or failed run again; it continues from its newest intact
   * checkpoint. Refused for a damaged run, a run another live process is running (naming it),
   * and a run with no intact checkpoint left unless `restartStage` (then it starts over).
   */
  resume(project: string, runId: string, opts: { restartStage?: boolean } = {}): RunSummary {
    const store = this.projects.get(project);
    this.usable(project, runId);
    const inQueue = this.queue.position(store.folder, runId) !== null;
    if (!inQueue) {
      assertNotHeldElsewhere(store, runId);
      interruptDeadRuns(store);
    }
    const r = this.row(project, runId);
    const orphanQueued = r.status === 'queued' && !inQueue; // queued in an earlier session
    if (!orphanQueued && !['paused', 'interrupted', 'failed', 'cancelled'].includes(r.status)) {
      throw new AppError('validation', `run ${runId} is ${r.status}; only a paused, interrupted, failed or cancelled run can be resumed`);
    }
    assertResumable(store, runId, !!opts.restartStage);
    this.queue.enqueue(store.folder, runId, { restartStage: opts.restartStage });
    return this.summarize(store.folder, this.row(project, runId));
  }

  /** Before an export: throws naming file and run unless `path` is a recorded checkpoint of the run whose file is intact. */
  assertCheckpointIntact(project: string, runId: string, path: string): void {
    const store = this.projects.get(project);
    const c = store.checkpoints.list(runId).find((x) => x.path === path);
    if (!c) throw new AppError('not_found', `${path} is not a recorded checkpoint of run ${runId}`);
    assertCheckpointIntact(store, runId, c);
  }

  /** Resolves with the run once it is no longer queued or running. */
  waitFor(project: string, runId: string): Promise<RunSummary> {
    const folder = this.projects.get(project).folder;
    return new Promise((resolve) => {
      const check = () => {
        const r = this.row(project, runId);
        if (TERMINAL.includes(r.status) && this.queue.position(folder, runId) === null) {
          off();
          resolve(this.summarize(folder, r));
        }
      };
      const off = this.queue.onStatus((p, id) => {
        if (p === folder && id === runId) setImmediate(check);
      });
      check();
    });
  }
}
