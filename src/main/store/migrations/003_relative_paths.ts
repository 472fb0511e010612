/**
 * Migration 3: checkpoint and artifact paths become relative to the project folder. An
 * absolute path inside the folder is rewritten; so is one that points at `runs/<run id>/…` of
 * another place when this folder holds that same file (a project copied or moved before this
 * version). Anything else keeps its absolute path and is never deleted by Attune.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { MigrationContext, MigrationDb } from './index';
import { isInsideProject, toStoredPath } from '../paths';

function relocate(folder: string, runId: string | null, path: string): string | null {
  if (!isAbsolute(path)) return null;
  if (isInsideProject(folder, path)) return toStoredPath(folder, path, 'a file');
  if (!runId) return null;
  const slashed = path.replace(/\\/g, '/');
  const marker = `/runs/${runId}/`;
  const at = slashed.lastIndexOf(marker);
  if (at < 0) return null;
  const rel = `runs/${runId}/${slashed.slice(at + marker.length)}`;
  return existsSync(join(folder, ...rel.split('/'))) ? rel : null;
}

/** Rewrites the paths of both tables. */
export function up(db: MigrationDb, ctx: MigrationContext): void {
  for (const table of ['checkpoints', 'artifacts']) {
    const rows = db.prepare(`SELECT id, run_id AS runId, path FROM ${table}`).all() as { id: number; runId: string | null; path: string }[];
    const update = db.prepare(`UPDATE ${table} SET path = ? WHERE id = ?`);
    for (const r of rows) {
      const rel = relocate(ctx.folder, r.runId, r.path);
      if (rel !== null) update.run(rel, r.id);
    }
  }
}
