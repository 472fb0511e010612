/** Artifacts: exports, reports and other files a run produced. */
import type { Db } from '../db';

export interface ArtifactRow {
  id: number;
  runId: string | null;
  kind: string;
  path: string;
  meta: unknown;
  createdAt: string;
}

/** Repository of artifacts. */
export function artifactsRepo(db: Db) {
  const put = db.prepare('INSERT INTO artifacts (run_id, kind, path, meta_json, created_at) VALUES (?, ?, ?, ?, ?)');
  const forRun = db.prepare('SELECT id, run_id AS runId, kind, path, meta_json AS meta, created_at AS createdAt FROM artifacts WHERE run_id = ? ORDER BY id');
  return {
    /** Records an artifact file. */
    put: (runId: string | null, kind: string, path: string, meta?: unknown) =>
      Number(put.run(runId, kind, path, meta === undefined ? null : JSON.stringify(meta), new Date().toISOString()).lastInsertRowid),
    /** Artifacts of a run, oldest first. */
    list: (runId: string) =>
      (forRun.all(runId) as (Omit<ArtifactRow, 'meta'> & { meta: string | null })[]).map((r) => ({ ...r, meta: r.meta ? JSON.parse(r.meta) : null })),
  };
}
