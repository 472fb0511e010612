/** Artifacts: exports, reports and other files a run produced, stored relative to the project folder. */
import type { Db } from '../db';
import { fromStoredPath, toStoredPath } from '../paths';

export interface ArtifactRow {
  id: number;
  runId: string | null;
  kind: string;
  /** absolute, resolved against the project folder */
  path: string;
  meta: unknown;
  createdAt: string;
}

function parseMeta(raw: string | null): unknown {
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null; // a damaged note about a file must not hide the file
  }
}

/** Repository of artifacts of the project in `folder`. */
export function artifactsRepo(db: Db, folder: string) {
  const put = db.prepare('INSERT INTO artifacts (run_id, kind, path, meta_json, created_at) VALUES (?, ?, ?, ?, ?)');
  const forRun = db.prepare('SELECT id, run_id AS runId, kind, path, meta_json AS meta, created_at AS createdAt FROM artifacts WHERE run_id = ? ORDER BY id');
  return {
    /** Records an artifact file; refuses a file outside the project folder. */
    put: (runId: string | null, kind: string, path: string, meta?: unknown) =>
      Number(put.run(runId, kind, toStoredPath(folder, path, `the ${kind} artifact${runId ? ` of run ${runId}` : ''}`),
        meta === undefined ? null : JSON.stringify(meta), new Date().toISOString()).lastInsertRowid),
    /** Artifacts of a run, oldest first. */
    list: (runId: string) =>
      (forRun.all(runId) as (Omit<ArtifactRow, 'meta'> & { meta: string | null })[]).map((r) => ({ ...r, path: fromStoredPath(folder, r.path), meta: parseMeta(r.meta) })),
  };
}
