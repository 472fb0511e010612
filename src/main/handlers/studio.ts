/** Handlers of the studio part of the contract: the example project, augmentation preview, model library. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DomainHandlers } from '../../shared/api';
import type { studioRequests } from '../../shared/contract/studio';
import type { EvaluationDetail } from '../../shared/contract/studio';
import { AppError } from '../../shared/errors';
import { openExample } from '../services/example';
import type { AppContext } from './context';

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One evaluation of evaluation.json as the contract shapes it (NaN → null, ROC thinned to 400 points). */
export function evaluationDetail(raw: unknown): EvaluationDetail {
  const r = (raw ?? {}) as { aucKind?: string; classAuc?: unknown[]; roc?: { fpr?: number[]; tpr?: number[] }; ci?: Record<string, { value?: unknown; low?: unknown; high?: unknown }> };
  let roc: EvaluationDetail['roc'] = null;
  if (r.roc && Array.isArray(r.roc.fpr) && Array.isArray(r.roc.tpr) && r.roc.fpr.length === r.roc.tpr.length) {
    const n = r.roc.fpr.length;
    const stride = Math.max(1, Math.ceil(n / 400));
    const keep = [...Array(n).keys()].filter((i) => i % stride === 0 || i === n - 1);
    roc = { fpr: keep.map((i) => r.roc!.fpr![i]), tpr: keep.map((i) => r.roc!.tpr![i]) };
  }
  const ci = r.ci ? Object.fromEntries(Object.entries(r.ci).map(([k, v]) => [k, { value: finite(v.value), low: finite(v.low), high: finite(v.high) }])) : null;
  return { aucKind: r.aucKind ?? 'unknown', classAuc: (r.classAuc ?? []).map(finite), roc, ci };
}

/** Example, augmentation preview, catalog, weight check. */
export function studioHandlers(ctx: AppContext): DomainHandlers<typeof studioRequests> {
  const userDataDir = () => ctx.userDataDir;
  return {
    'projects.openExample': async () =>
      openExample(ctx.projects, ctx.datasets, userDataDir(), (datasetId, progress) => {
        const folder = resolve(userDataDir(), 'example-project');
        ctx.emit('datasets.scanProgress', { project: folder, datasetId, progress });
      }),
    'datasets.augmentPreview': async ({ project, datasetId, policy, count, size, seed, label }) => {
      const store = ctx.projects.get(project);
      const ds = store.datasets.get(datasetId);
      if (!ds) throw new AppError('not_found', `dataset ${datasetId} is not in ${store.folder}`);
      // images spread evenly over the dataset (so every class folder shows up), the same ones for every seed
      const readable = label ? store.images.page(datasetId, 100_000, 0, label).length : store.images.count(datasetId).readable ?? 0;
      const step = Math.max(1, Math.floor(readable / count));
      const rows = [];
      for (let i = 0; i < count && i * step < readable; i++) rows.push(...store.images.page(datasetId, 1, i * step, label ?? null));
      const base = ds.kind === 'csv' ? resolve(ds.root, '..') : ds.root;
      const items = rows.map((r) => ({
        absPath: ds.kind === 'idx' ? `${ds.root}#${r.relPath.split('#').pop()}` : resolve(base, r.relPath),
        relPath: r.relPath,
        label: r.label,
      }));
      return ctx.engine.request('studio.augmentPreview', { items, policy, size, seed });
    },
    'models.catalog': async () => ctx.engine.request('models.catalog', {}),
    'models.checkWeights': async ({ path, arch, config }) => ctx.engine.request('models.checkWeights', { path: resolve(path), arch, config }),
    'studio.runEvaluation': async ({ project, runId }) => {
      const run = ctx.runs.get(project, runId);
      const artifact = [...run.artifacts].reverse().find((a) => a.kind === 'evaluation');
      if (!artifact || !existsSync(artifact.path)) throw new AppError('not_found', `run "${run.name}" has no evaluation yet`);
      let raw: { plain?: unknown; tta?: unknown };
      try {
        raw = JSON.parse(readFileSync(artifact.path, 'utf8'));
      } catch (e) {
        throw new AppError('validation', `${artifact.path}: not readable as JSON (${e instanceof Error ? e.message : String(e)})`);
      }
      return { classNames: run.result?.classNames ?? [], plain: evaluationDetail(raw.plain), tta: raw.tta ? evaluationDetail(raw.tta) : null };
    },
    'studio.engineMemory': async () => ctx.engine.request('studio.memory', {}),
    'models.export': async ({ project, runId, checkpointPath }) => {
      const run = ctx.runs.get(project, runId);
      const fromFinetune = run.checkpoints.filter((c) => run.stages[c.stageIdx]?.kind === 'finetune');
      const chosen = checkpointPath ? run.checkpoints.find((c) => c.path === checkpointPath) : fromFinetune[fromFinetune.length - 1];
      if (!chosen) {
        throw new AppError('not_found', checkpointPath ? `${checkpointPath} is not a checkpoint of run ${runId}` : `run "${run.name}" has no fine-tuned checkpoint yet: export works once its fine-tune stage has written one`);
      }
      ctx.runs.assertCheckpointIntact(project, runId, chosen.path); // a changed or missing file is refused, never exported
      const slug = run.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'model';
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const outDir = join(ctx.projects.get(project).folder, 'exports', `${slug}-s${chosen.stageIdx}-${chosen.step}-${stamp}`);
      return ctx.engine.request('models.export', {
        checkpointPath: chosen.path, arch: run.config.backbone.arch, config: run.config.backbone.config, outDir, classNames: run.result?.classNames, runId,
      });
    },
  };
}
