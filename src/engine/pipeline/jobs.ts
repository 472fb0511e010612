/**
 * Engine jobs of the run pipeline: `run.execute` (a whole run, resumable) and `run.benchmark`
 * (a short measured supervised step of a backbone and one real step of each pretrain stage,
 * for estimates). Models load after the
 * backend so tfjs's gradients are registered first.
 */
import { mkdirSync } from 'node:fs';
import { AppError } from '../../shared/errors';
import { registerJob } from '../jobs';
import { RunConfig } from '../../shared/schemas/run';
import type { BenchmarkParams, BenchmarkResult, ExecuteParams } from '../../shared/engine-jobs';

registerJob('run.execute', async (p, ctx) => {
  if (!p || typeof p.runId !== 'string' || typeof p.runDir !== 'string' || typeof p.cacheRoot !== 'string') {
    throw new AppError('validation', 'run.execute: runId, runDir and cacheRoot are required');
  }
  const parsed = RunConfig.safeParse(p.config);
  if (!parsed.success) {
    throw new AppError('validation', `run.execute: the run's config snapshot is invalid (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  }
  p.config = parsed.data;
  const { initBackend, backendLine } = await import('../backend/index');
  const report = await initBackend();
  // the run folder first: the main process writes the line to <runDir>/run.log
  mkdirSync(p.runDir, { recursive: true });
  ctx.emit('log', { level: 'info', message: backendLine(report) });
  const { executeRun } = await import('./execute');
  return executeRun(p, ctx);
});

registerJob('run.benchmark', async (p) => {
  const { initBackend } = await import('../backend/index');
  const report = await initBackend();
  const { benchTrain } = await import('../backend/train-bench');
  const batch = Math.max(2, p.batch);
  const r = await benchTrain({ arch: p.arch, config: p.config, size: p.size, batch, steps: 2, warmup: 1 });
  const result: BenchmarkResult = { backend: (report as { backend?: string }).backend ?? r.backend, imagesPerSecond: r.imagesPerSecond, stepMs: r.stepMsMedian };
  if (p.pretrain?.length) {
    const { benchSslStep } = await import('../backend/ssl-bench');
    result.sslStepMs = {};
    for (const stage of p.pretrain) {
      const s = await benchSslStep({ arch: p.arch, config: p.config, stage, size: p.size, batch, steps: 1, warmup: 1 });
      result.sslStepMs[stage.name] = s.stepMsMedian;
    }
  }
  return result;
});
