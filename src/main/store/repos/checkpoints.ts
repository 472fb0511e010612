/**
 * Checkpoint rows; the file is renamed into place before its row is written. Paths are stored
 * relative to the project folder and come back absolute, so a copied or moved project uses its
 * own files.
 */
import type { Db } from '../db';
import { fromStoredPath, toStoredPath } from '../paths';

export interface CheckpointRow {
  id: number;
  runId: string;
  stageIdx: number;
  step: number;
  /** absolute, resolved against the project folder */
  path: string;
  sha256: string | null;
  byteSize: number | null;
  /** true when it ends its stage: a resume from it starts at the next stage */
  final: boolean;
  createdAt: string;
}

/** Repository of checkpoints of the project in `folder`. */
export function checkpointsRepo(db: Db, folder: string) {
  const put = db.prepare(`INSERT INTO checkpoints (run_id, stage_idx, step, path, sha256, byte_size, final, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, stage_idx, step) DO UPDATE SET path = excluded.path,
    sha256 = excluded.sha256, byte_size = excluded.byte_size, final = excluded.final, created_at = excluded.created_at`);
  const cols = 'id, run_id AS runId, stage_idx AS stageIdx, step, path, sha256, byte_size AS byteSize, final, created_at AS createdAt';
  const latest = db.prepare(`SELECT ${cols} FROM checkpoints WHERE run_id = ? ORDER BY stage_idx DESC, step DESC LIMIT 1`);
  const forRun = db.prepare(`SELECT ${cols} FROM checkpoints WHERE run_id = ? ORDER BY stage_idx, step`);
  // SQLite stores `final` as 0 / 1
  const abs = (r: (Omit<CheckpointRow, 'final'> & { final: number | boolean }) | undefined): CheckpointRow | undefined => (r ? { ...r, final: r.final === 1 || r.final === true, path: fromStoredPath(folder, r.path) } : undefined);
  return {
    /** Records a checkpoint file that is already in place; refuses a file outside the project folder. */
    put: (c: Omit<CheckpointRow, 'id' | 'createdAt'>) =>
      void put.run(c.runId, c.stageIdx, c.step, toStoredPath(folder, c.path, `checkpoint of run ${c.runId}`), c.sha256, c.byteSize, c.final ? 1 : 0, new Date().toISOString()),
    /** The newest checkpoint of a run, to resume from. */
    latest: (runId: string) => abs(latest.get(runId) as CheckpointRow | undefined),
    /** Every checkpoint of a run, oldest first. */
    list: (runId: string) => (forRun.all(runId) as CheckpointRow[]).map((r) => abs(r)!),
  };
}
