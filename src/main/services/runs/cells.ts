/**
 * The images of one confusion-matrix cell, worst (highest loss) first, read from the run's
 * predictions.json, with thumbnails rendered by the engine from the original files (or IDX).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../../../shared/errors';
import type { CellImage, RunConfig } from '../../../shared/schemas/run';
import type { PredictionsFile } from '../../../shared/engine-jobs';
import type { EngineHost } from '../../engine-host';
import type { ProjectStore } from '../../store/project-store';

/** Where the engine can read a test image back: a file path, or `images.idx#index`. */
export function imagePathOf(config: RunConfig, key: string): string {
  const src = config.data.test ?? config.data.labeled;
  if (src.kind === 'idx') return `${src.idx.images}#${key.slice(key.lastIndexOf('#') + 1)}`;
  return src.kind === 'csv' ? join(dirname(src.path), key) : join(src.path, key);
}

/** The cell's images; thumbnails come from the engine's `data.thumbnails` job. */
export async function cellImages(store: ProjectStore, engine: EngineHost, runId: string, o: { trueClass: number; predictedClass: number; tta: boolean; limit: number; size: number }): Promise<CellImage[]> {
  const run = store.runs.get(runId);
  if (!run) throw new AppError('not_found', `run ${runId} does not exist`);
  const art = store.artifacts.list(runId).filter((a) => a.kind === 'predictions').pop();
  if (!art || !existsSync(art.path)) throw new AppError('not_found', `run ${runId} has no per-image predictions yet (it has not been evaluated)`);
  const p = JSON.parse(readFileSync(art.path, 'utf8')) as PredictionsFile;
  const k = p.classNames.length;
  for (const [name, v] of [['trueClass', o.trueClass], ['predictedClass', o.predictedClass]] as const) {
    if (v >= k) throw new AppError('validation', `${name} ${v} is not a class of this run (0..${k - 1})`);
  }
  const rows = o.tta && p.tta ? p.tta : p.plain;
  const picked = rows
    .map((r, index) => ({ ...r, index }))
    .filter((r) => r.label === o.trueClass && r.prediction === o.predictedClass)
    .sort((a, b) => b.loss - a.loss || a.index - b.index)
    .slice(0, o.limit);
  const config = run.config as RunConfig;
  let thumbs: string[] = [];
  if (picked.length) {
    try {
      thumbs = await engine.request('data.thumbnails', { items: picked.map((r) => ({ absPath: imagePathOf(config, p.keys[r.index]) })), size: o.size });
    } catch {
      thumbs = [];
    }
  }
  return picked.map((r, i) => ({
    index: r.index, key: p.keys[r.index], label: p.classNames[r.label], predicted: p.classNames[r.prediction],
    probability: r.probability, loss: r.loss, thumbnail: thumbs[i] ?? '',
  }));
}
