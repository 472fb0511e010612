/** Metric series: one row per metric per logged step, inserted in batches. */
import type { Db } from '../db';

export interface MetricPoint {
  stageIdx: number;
  name: string;
  step: number;
  value: number;
  wallMs: number;
}

/** Repository of metrics. Re-logging a step after a resume replaces it instead of duplicating it. */
export function metricsRepo(db: Db) {
  const put = db.prepare(`INSERT INTO metrics (run_id, stage_idx, name, step, value, wall_ms) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (run_id, stage_idx, name, step) DO UPDATE SET value = excluded.value, wall_ms = excluded.wall_ms`);
  const series = db.prepare('SELECT stage_idx AS stageIdx, name, step, value, wall_ms AS wallMs FROM metrics WHERE run_id = ? ORDER BY stage_idx, name, step');
  const names = db.prepare('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name');
  const putMany = db.transaction((runId: string, points: MetricPoint[]) => {
    for (const p of points) put.run(runId, p.stageIdx, p.name, p.step, p.value, p.wallMs);
  });
  return {
    /** Writes a batch of points in one transaction. */
    putBatch: (runId: string, points: MetricPoint[]) => putMany(runId, points),
    /** Every point of a run, ordered by stage, name and step. */
    series: (runId: string) => series.all(runId) as MetricPoint[],
    /** The metric names a run logged. */
    names: (runId: string) => (names.all(runId) as { name: string }[]).map((r) => r.name),
  };
}
