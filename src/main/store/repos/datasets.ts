/** Datasets: imported folders, CSVs and IDX files of a project. */
import type { Db } from '../db';

export type { DatasetKind } from '../../../shared/contract/datasets';
import type { DatasetKind } from '../../../shared/contract/datasets';

export interface DatasetRow {
  id: number;
  name: string;
  kind: DatasetKind;
  root: string;
  createdAt: string;
  scannedAt: string | null;
  stats: unknown;
}

const COLUMNS = 'id, name, kind, root, created_at AS createdAt, scanned_at AS scannedAt, stats_json AS stats';

function parse(row: (Omit<DatasetRow, 'stats'> & { stats: string | null }) | undefined): DatasetRow | undefined {
  return row && { ...row, stats: row.stats ? JSON.parse(row.stats) : null };
}

/** Repository of datasets. */
export function datasetsRepo(db: Db) {
  const insert = db.prepare('INSERT INTO datasets (name, kind, root, created_at) VALUES (?, ?, ?, ?)');
  const byId = db.prepare(`SELECT ${COLUMNS} FROM datasets WHERE id = ?`);
  const byRoot = db.prepare(`SELECT ${COLUMNS} FROM datasets WHERE kind = ? AND root = ?`);
  const all = db.prepare(`SELECT ${COLUMNS} FROM datasets ORDER BY id`);
  const scanned = db.prepare('UPDATE datasets SET scanned_at = ?, stats_json = ? WHERE id = ?');
  const del = db.prepare('DELETE FROM datasets WHERE id = ?');
  return {
    /** Adds a dataset, or returns the existing one with the same kind and root. */
    upsert(name: string, kind: DatasetKind, root: string): DatasetRow {
      const existing = parse(byRoot.get(kind, root) as never);
      if (existing) return existing;
      const id = Number(insert.run(name, kind, root, new Date().toISOString()).lastInsertRowid);
      return parse(byId.get(id) as never)!;
    },
    /** One dataset by id. */
    get: (id: number) => parse(byId.get(id) as never),
    /** Every dataset, oldest first. */
    list: () => (all.all() as never[]).map((r) => parse(r)!),
    /** Records a finished scan and its statistics (channel mean/std, class counts ...). */
    markScanned: (id: number, stats: unknown) => void scanned.run(new Date().toISOString(), JSON.stringify(stats), id),
    /** Deletes a dataset and (by cascade) its image records; true when it existed. */
    remove: (id: number) => del.run(id).changes > 0,
  };
}
