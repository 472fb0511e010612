/**
 * Data splits: the train/val/test image keys one run used, with the seed and split spec that
 * produced them, so the run can be reproduced exactly. A run has at most one split.
 */
import type { Db } from '../db';

export type SplitPart = 'train' | 'val' | 'test';

/** One run's split. Keys are the decode-cache keys, in the order the engine wrote them. */
export interface RunSplit {
  seed: number;
  /** how the split was asked for, e.g. `{ split: { val, test }, labelBudget }` */
  spec: unknown;
  classNames: string[];
  train: string[];
  val: string[];
  test: string[];
}

const PARTS: readonly SplitPart[] = ['train', 'val', 'test'];

/** Repository of run splits. */
export function splitsRepo(db: Db) {
  const dropItems = db.prepare('DELETE FROM split_items WHERE split_id IN (SELECT id FROM splits WHERE run_id = ?)');
  const dropSplit = db.prepare('DELETE FROM splits WHERE run_id = ?');
  const insertSplit = db.prepare('INSERT INTO splits (run_id, seed, spec_json, class_names_json, created_at) VALUES (?, ?, ?, ?, ?)');
  const insertItem = db.prepare('INSERT INTO split_items (split_id, part, key, pos) VALUES (?, ?, ?, ?)');
  const header = db.prepare('SELECT id, seed, spec_json AS spec, class_names_json AS classNames FROM splits WHERE run_id = ?');
  const items = db.prepare('SELECT part, key FROM split_items WHERE split_id = ? ORDER BY part, pos');

  const replace = db.transaction((runId: string, split: RunSplit) => {
    dropItems.run(runId);
    dropSplit.run(runId);
    const id = insertSplit.run(runId, split.seed, JSON.stringify(split.spec), JSON.stringify(split.classNames), new Date().toISOString()).lastInsertRowid;
    for (const part of PARTS) split[part].forEach((key, pos) => insertItem.run(id, part, key, pos));
  });

  return {
    /** Records the split of a run in one transaction, replacing any split it had (resume, re-run). */
    put: (runId: string, split: RunSplit) => replace(runId, split),
    /** The split of a run, or null when none was recorded. */
    get(runId: string): RunSplit | null {
      const h = header.get(runId) as { id: number; seed: number; spec: string; classNames: string } | undefined;
      if (!h) return null;
      const split: RunSplit = { seed: h.seed, spec: JSON.parse(h.spec), classNames: JSON.parse(h.classNames), train: [], val: [], test: [] };
      for (const r of items.iterate(h.id) as Iterable<{ part: SplitPart; key: string }>) split[r.part].push(r.key);
      return split;
    },
  };
}
