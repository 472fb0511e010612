/**
 * Estimates before a run starts: steps and images per stage, and a time from a short measured
 * training step of the chosen backbone on this machine's backend.
 */
import type { RunConfig, RunEstimate } from '../../../shared/schemas/run';
import type { BenchmarkResult } from '../../../shared/engine-jobs';
import type { DataCounts } from './expand';

/**
 * Images processed and seconds per stage. A pretrain stage takes its own measured step time
 * (its method, heads and optimizer, from `run.benchmark`); without one, a self-supervised step
 * counts as 2.5 supervised steps of the batch (two views and a target forward). Fine-tuning
 * uses the supervised throughput; evaluation is forward only.
 */
export function estimateRun(config: RunConfig, counts: DataCounts, bench: BenchmarkResult, runs: number): RunEstimate {
  const ips = Math.max(1e-6, bench.imagesPerSecond);
  const b = config.batchSize * config.accumulate;
  const testN = counts.test ?? Math.round((counts.labeled ?? 0) * config.data.split.test);
  const notes: string[] = [];
  const stages = config.stages.map((s) => {
    let steps = s.totalSteps;
    let images = 0;
    let seconds = 0;
    if (s.kind === 'pretrain') {
      const candidates = s.pool === 'source' ? (config.data.sourceCandidates?.length ?? 0) : 0;
      if (candidates > 1) {
        const extra = candidates * (s.selectionSteps ?? s.steps);
        notes.push(`stage "${s.name}" first runs source selection: ${candidates} candidates × ${s.selectionSteps ?? s.steps} steps (included)`);
        steps += extra;
      }
      images = steps * b * 2;
      const ms = bench.sslStepMs?.[s.name];
      if (ms !== undefined) {
        seconds = (steps * config.accumulate * ms) / 1000;
        notes.push(`stage "${s.name}": timed with a real ${s.method}${s.cutmix ? ' + CutMix' : ''} step (${s.optimizer}, ${Math.round(ms)} ms per batch of ${config.batchSize})`);
      } else {
        seconds = (steps * b * 2.5) / ips;
        notes.push(`stage "${s.name}": not timed; guessed as 2.5 supervised steps per step`);
      }
    } else if (s.kind === 'finetune') {
      images = steps * (s.batchSize ?? b);
      seconds = s.mode === 'lp' ? images / (ips * 3) : images / ips;
    } else if (s.kind === 'evaluate') {
      steps = 1;
      images = testN * (s.tta ? 2 : 1);
      seconds = images / (ips * 3);
    } else if (s.kind === 'prepare') {
      images = (counts.labeled ?? 0) + (counts.unlabeled ?? 0) + (counts.source ?? 0) + (counts.test ?? 0);
      seconds = images / 2000;
    } else {
      seconds = 2;
    }
    return { name: s.name, kind: s.kind, steps, images, seconds };
  });
  if (counts.labeled === null) notes.push('the labeled image count is unknown until the data is decoded; fine-tune steps are a guess');
  if (bench.backend === 'wasm') notes.push('measured on the wasm backend (no GPU found); a CUDA GPU with tfjs-node-gpu is much faster');
  const one = stages.reduce((s, x) => s + x.seconds, 0);
  return {
    stages,
    totalSteps: stages.reduce((s, x) => s + x.steps, 0),
    images: stages.reduce((s, x) => s + x.images, 0),
    seconds: one * runs,
    runs,
    imagesPerSecond: bench.imagesPerSecond,
    backend: bench.backend,
    labeledImages: counts.labeled,
    notes,
  };
}
