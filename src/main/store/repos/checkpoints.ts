/** Checkpoint rows; the file is renamed into place before its row is written. */
import type { Db } from '../db';

export interface CheckpointRow {
  id: number;
  runId: string;
  stageIdx: number;
  step: number;
  path: string;
  sha256: string | null;
  byteSize: number | null;
  createdAt: string;
}

/** Repository of checkpoints. */
export function checkpointsRepo(db: Db) {
  const put = db.prepare(`INSERT INTO checkpoints (run_id, stage_idx, step, path, sha256, byte_size, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, stage_idx, step) DO UPDATE SET path = excluded.path,
    sha256 = excluded.sha256, byte_size = excluded.byte_size, created_at = excluded.created_at`);
  const cols = 'id, run_id AS runId, stage_idx AS stageIdx, step, path, sha256, byte_size AS byteSize, created_at AS createdAt';
  const latest = db.prepare(`SELECT ${cols} FROM checkpoints WHERE run_id = ? ORDER BY stage_idx DESC, step DESC LIMIT 1`);
  const forRun = db.prepare(`SELECT ${cols} FROM checkpoints WHERE run_id = ? ORDER BY stage_idx, step`);
  return {
    /** Records a checkpoint file that is already in place. */
    put: (c: Omit<CheckpointRow, 'id' | 'createdAt'>) =>
      void put.run(c.runId, c.stageIdx, c.step, c.path, c.sha256, c.byteSize, new Date().toISOString()),
    /** The newest checkpoint of a run, to resume from. */
    latest: (runId: string) => latest.get(runId) as CheckpointRow | undefined,
    /** Every checkpoint of a run. */
    list: (runId: string) => forRun.all(runId) as CheckpointRow[],
  };
}
